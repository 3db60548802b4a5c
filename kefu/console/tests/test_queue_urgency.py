"""The console queue urgent first: the technician's own queue by default lists the
fresh gas leak above 17 months-old overdue orders; overdue and due-soon rows carry a class and a text
marker; remaining and overdue time read in days/hours/minutes and say working or clock time. The same
order in the API's default list."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kefu.testing.clock import FakeClock, freeze
from kefu.workorders import actions
from kefu.workorders.tests.test_urgency import NOW, OLD, technician_backlog

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, OLD)


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def rows(body: str) -> list[tuple[str, str]]:
    """(class, number) of each queue row, in order."""
    table = body[body.index('id="queue-table"') :]
    return re.findall(r'<tr id="order-row-\d+" data-number="(GD-\d{8}-\d{6})" class="([^"]*)"', table)


def row_html(body: str, number: str) -> str:
    start = body.index(f'data-number="{number}"')
    return body[start : body.index("</tr>", start)]


def test_technicians_queue_lists_the_urgent_order_first_with_readable_times(
    world: Any, now: FakeClock
) -> None:
    b = technician_backlog(world, now)
    # a normal order whose 24 clock hours are 76 % used: inside the warning window
    now.set(NOW - dt.timedelta(hours=19))
    soon = world.order(world.customer(name="赵六", phone="13700137000"), title="热水器打不着火")
    actions.do_transfer(world.agent.user, soon.pk, to_staff_id=world.technician.pk, reason="上门")
    now.set(NOW)
    body = client_for(world.technician).get("/orders/").content.decode()  # default tab "mine", no sort
    got = rows(body)
    assert [n for n, _cls in got[:3]] == [b["gas"].number, b["high"].number, b["old"][0].number]
    assert got[-1][0] == soon.number  # normal, due in 5 h: after the normal orders overdue for months
    classes = dict(got)
    assert "prio-urgent" in classes[b["gas"].number] and "row-overdue" not in classes[b["gas"].number]
    assert "row-overdue" in classes[b["old"][0].number]
    assert "row-due-soon" in classes[soon.number] and "row-overdue" not in classes[soon.number]
    # text markers, not colour only; units that collapse; clock time said
    gas = row_html(body, b["gas"].number)
    assert "2 d 23 h left (clock time)" in gas  # fault (major): 72 clock hours from 08:55, 71 h 55 min
    old = row_html(body, b["old"][0].number)
    assert 'data-testid="row-overdue"' in old and ">overdue<" in old
    assert "17 mo overdue (clock time)" in old  # due 2024-10-09 09:00, now 2026-03-09 09:00
    assert "−" not in old and " h 55 min" not in old
    assert 'title="Clock time: nights, weekends and holidays count."' in old
    due_soon = row_html(body, soon.number)
    assert 'data-testid="row-due-soon"' in due_soon and "deadline near" in due_soon
    assert "5 h left (clock time)" in due_soon
    assert 'id="queue-legend"' in body
    # the default choice of the sort field is urgency; another column can be chosen
    assert re.search(r'<option value="urgency" selected>', body) or '<option value="urgency">' in body
    by_received = client_for(world.technician).get("/orders/", {"sort": "received_at"}).content.decode()
    assert rows(by_received)[0][0] == b["old"][0].number


def test_live_refresh_of_the_queue_keeps_the_default_order(world: Any, now: FakeClock) -> None:
    """The live push re-fetches the table (hx-get of ``poll_url``, the htmx request): same rows, same
    markup as the full page."""
    b = technician_backlog(world, now)
    c = client_for(world.technician)
    page = c.get("/orders/").content.decode()
    fragment = c.get("/orders/", {"tab": "mine"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert rows(fragment) == rows(page)
    assert rows(fragment)[0][0] == b["gas"].number


def test_api_default_order_is_urgency(world: Any, now: FakeClock) -> None:
    from kefu.api.tests.conftest import api_for

    b = technician_backlog(world, now)
    api = api_for(world.technician.user)
    items = api.get("/orders", assignee=world.technician.pk).body["items"]
    assert [o["number"] for o in items[:3]] == [b["gas"].number, b["high"].number, b["old"][0].number]
    assert [o["number"] for o in items[2:]] == [o.number for o in b["old"]]
    same = api.get("/orders", assignee=world.technician.pk, ordering="urgency").body["items"]
    assert [o["number"] for o in same] == [o["number"] for o in items]
    newest = api.get("/orders", assignee=world.technician.pk, ordering="-received_at").body["items"]
    assert newest[0]["number"] == b["gas"].number and newest[1]["number"] == b["high"].number
    assert newest[-1]["number"] == b["old"][0].number

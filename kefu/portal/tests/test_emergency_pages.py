"""On the customer pages: the "call the 24-hour hotline now" notice (static script fed by
data attributes, strict CSP) and the server-side check on submit; the anonymous report's area and priority."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _t

from kefu.commitments import clocks, emergency
from kefu.commitments.models import OrderClock, OrderEmergency, Service
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    emergency.clear_cache()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 12, 9, 7, 40))


def notice_attrs(html: str) -> dict[str, str]:
    m = re.search(r'<div id="emergency-notice"([^>]*)>', html)
    assert m, "no emergency notice on the page"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1))) | {"hidden": " hidden" in m.group(1)}  # type: ignore[dict-item]


def test_submit_page_carries_the_keywords_services_and_hotline_without_inline_script(world, now):
    gas = Service.objects.create(
        code="gas-leak", name="燃气泄漏抢修", order_type="fault_major", is_emergency=True
    )
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c)
    client = Client()
    assert client.login(username="cust", password=PASSWORD)
    resp = client.get(reverse("portal:submit"))
    html = resp.content.decode()
    attrs = notice_attrs(html)
    assert attrs["hidden"] is True  # shown by the script when the text or service matches
    import html as html_lib

    keywords = json.loads(html_lib.unescape(attrs["data-emergency-keywords"]))
    assert "燃气味" in keywords and "gasleak" in keywords  # normalised: no spaces, lower case
    assert str(gas.pk) in attrs["data-emergency-services"].split(",")
    assert "96777" in html and 'href="tel:96777"' in html
    assert '<script src="/static/portal/emergency.js" defer></script>' in html
    assert "<script>" not in html  # strict CSP: no inline script
    assert "script-src" in resp.get("Content-Security-Policy", "script-src")


def test_submitted_keyword_is_flagged_urgent_with_the_hotline_message(world, now):
    c = world.customer("张三", "13800138000", area_id=world.area_n1.pk)
    make_portal_customer(world, c)
    client = Client()
    assert client.login(username="cust", password=PASSWORD)
    resp = client.post(
        reverse("portal:submit"),
        {"order_type": "fault", "title": "厨房有燃气味", "description": "早上起来闻到，已开窗"},
        follow=True,
    )
    o = WorkOrder.objects.get(customer=c)
    assert o.priority == "urgent" and o.channel == "portal"
    assert OrderEmergency.objects.get(workorder=o).keyword == "燃气味"
    arrival = OrderClock.objects.get(workorder=o, kind="arrival")
    assert (arrival.unit, arrival.due_at) == ("calendar_minutes", sh(2026, 12, 9, 8, 10))
    assert _t("This looks like an emergency: call the 24-hour hotline now: %(number)s") % {
        "number": "96777"
    } in (resp.content.decode())


def test_anonymous_emergency_report_gets_the_area_from_the_address(world, now):
    client = Client()
    resp = client.post(
        reverse("portal:report"),
        {
            "name": "路人",
            "phone": "13600136000",
            "email": "",
            "service": "",
            "address": "和平里 3号楼 2单元",
            "description": "楼道里明显燃气味",
        },
    )
    assert resp.status_code == 302, resp.content
    o = WorkOrder.objects.get()
    assert (o.priority, o.area_id) == ("urgent", world.area_n1.pk)
    assert "和平里 3号楼 2单元" in o.description
    assert OrderClock.objects.get(workorder=o, kind="arrival").due_at == sh(2026, 12, 9, 8, 10)
    done = client.get(resp["Location"]).content.decode()
    assert 'id="emergency-notice-done"' in done and "96777" in done


def test_an_ordinary_report_shows_no_notice_and_stays_normal(world, now):
    client = Client()
    resp = client.post(
        reverse("portal:report"),
        {"name": "路人", "phone": "13600136000", "address": "北苑5号", "description": "门口的光缆断了"},
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get()
    assert (o.priority, o.area_id) == ("normal", world.area_n2.pk)
    assert 'id="emergency-notice-done"' not in client.get(resp["Location"]).content.decode()


def test_report_form_shown_again_keeps_the_notice_visible(world, now):
    resp = Client().post(reverse("portal:report"), {"name": "", "description": "爆管了，水漫进楼道"})
    assert resp.status_code == 400
    assert notice_attrs(resp.content.decode())["hidden"] is False

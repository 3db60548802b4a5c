"""Work-order queues in the console: tabs, branch isolation, filters, sorting, paging, polling, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kefu.workorders import actions
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

QUEUE = "/orders/"


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def numbers(resp) -> set[str]:  # type: ignore[no-untyped-def]
    body = resp.content.decode()
    table = body[body.index('id="queue-table"') :]
    return set(re.findall(r'data-number="(GD-\d{8}-\d{6})"', table))


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer()
    o1 = world.order(c, title="燃气表漏气", order_type="fault_major")
    o2 = world.order(c, actor=world.agent_senior, title="申请退款", order_type="complaint")
    actions.do_transfer(world.agent_senior.user, o2.pk, to_staff_id=world.agent.pk, reason="请李客服跟进")
    o3 = world.order(c, title="咨询账单")
    actions.do_transition(world.agent.user, o3.pk, "resolved", resolution="当场解答")
    cs = world.customer(name="南方客户", phone="13900139000", branch=world.south)
    o4 = world.order(cs, title="南湖乡断线")
    return {"o1": o1, "o2": o2, "o3": o3, "o4": o4}


def test_url_names_resolve() -> None:
    assert reverse("console:queue") == QUEUE
    assert reverse("console:order_detail", args=["GD-20260101-000001"]) == "/orders/GD-20260101-000001/"
    assert reverse("console:order_create") == "/orders/new/"
    assert reverse("console:escalations") == "/orders/escalations/"


def test_tabs_for_agent(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    o = {k: v.number for k, v in orders.items()}
    # my queue: assigned to me and open
    assert numbers(c.get(QUEUE)) == {o["o2"]}
    # my responsibilities: I am the first-contact owner, shown until closed (resolved o3 still there)
    assert numbers(c.get(QUEUE, {"tab": "owned"})) == {o["o1"], o["o3"]}
    # team queue: open orders of my branch, never the south branch's
    assert numbers(c.get(QUEUE, {"tab": "team"})) == {o["o1"], o["o2"]}
    assert numbers(c.get(QUEUE, {"tab": "escalated"})) == set()


def test_owned_tab_drops_closed_orders(world, orders) -> None:  # type: ignore[no-untyped-def]
    actions.do_transition(world.agent.user, orders["o3"].pk, "closed")
    c = client_for(world.agent)
    assert numbers(c.get(QUEUE, {"tab": "owned"})) == {orders["o1"].number}


def test_branch_isolation_and_supervisor(world, orders) -> None:  # type: ignore[no-untyped-def]
    south = client_for(world.agent_south)
    assert numbers(south.get(QUEUE, {"tab": "team"})) == {orders["o4"].number}
    assert numbers(south.get(QUEUE, {"tab": "owned"})) == {orders["o4"].number}
    sup = client_for(world.supervisor)
    assert numbers(sup.get(QUEUE, {"tab": "team"})) == {orders["o1"].number, orders["o2"].number}
    admin = client_for(world.admin)
    assert numbers(admin.get(QUEUE, {"tab": "team"})) == {
        orders["o1"].number,
        orders["o2"].number,
        orders["o4"].number,
    }


def test_escalated_tab_for_the_leader(world, orders) -> None:  # type: ignore[no-untyped-def]
    actions.do_escalate(world.agent.user, orders["o1"].pk, "客户非常不满")
    sup = client_for(world.supervisor)
    resp = sup.get(QUEUE, {"tab": "escalated"})
    assert numbers(resp) == {orders["o1"].number}
    assert numbers(client_for(world.agent).get(QUEUE, {"tab": "escalated"})) == set()


def test_tab_counts_and_nav(world, orders) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get(QUEUE, {"tab": "team"}).content.decode()
    assert re.search(r'id="tab-team".*?<span class="count">2</span>', body, re.S)
    assert re.search(r'id="tab-owned".*?<span class="count">2</span>', body, re.S)
    assert 'id="nav-escalations"' in body
    assert 'id="nav-admin"' not in body
    assert 'id="nav-admin"' in client_for(world.admin).get(QUEUE).content.decode()


def test_filters(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    o = {k: v.number for k, v in orders.items()}
    assert numbers(c.get(QUEUE, {"tab": "owned", "status": "resolved"})) == {o["o3"]}
    assert numbers(c.get(QUEUE, {"tab": "team", "order_type": "complaint"})) == {o["o2"]}
    # 燃气表漏气 names an emergency (漏气): urgent whatever its type
    assert numbers(c.get(QUEUE, {"tab": "team", "priority": "high"})) == {o["o2"]}
    assert numbers(c.get(QUEUE, {"tab": "team", "priority": "urgent"})) == {o["o1"]}
    assert numbers(c.get(QUEUE, {"tab": "team", "channel": "email"})) == set()
    # 2-character Chinese search (bigram index)
    assert numbers(c.get(QUEUE, {"tab": "team", "q": "退款"})) == {o["o2"]}
    assert numbers(c.get(QUEUE, {"tab": "team", "q": "漏气"})) == {o["o1"]}
    # the south order is never found from the north, even by its text
    assert numbers(c.get(QUEUE, {"tab": "team", "q": "南湖乡"})) == set()
    # overdue
    WorkOrder.objects.filter(pk=orders["o1"].pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    WorkOrder.objects.filter(pk=orders["o2"].pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    resp = c.get(QUEUE, {"tab": "team", "overdue": "on"})
    assert numbers(resp) == {o["o1"]}
    assert "row-overdue" in resp.content.decode()


def test_invalid_filter_is_reported_not_500(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.get(QUEUE, {"tab": "nonsense", "status": "bogus", "sort": "password", "page": "x"})
    assert resp.status_code == 200
    assert "Select a valid choice" in resp.content.decode()
    assert numbers(resp) == {orders["o2"].number}  # fell back to "my queue", filter ignored


def test_area_filter(world) -> None:  # type: ignore[no-untyped-def]
    c1 = world.customer()
    a = world.order(c1, area_id=world.area_n1.pk)
    world.order(c1, area_id=world.area_n2.pk)
    c = client_for(world.agent)
    assert numbers(c.get(QUEUE, {"tab": "team", "area": world.area_n1.pk})) == {a.number}


def test_search_by_exact_number_opens_the_order(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.get(QUEUE, {"tab": "team", "q": orders["o1"].number.lower()})
    assert resp.status_code == 302
    assert resp["Location"] == f"/orders/{orders['o1'].number}/"
    # another branch's number is not revealed
    resp = c.get(QUEUE, {"tab": "team", "q": orders["o4"].number})
    assert resp.status_code == 200
    assert numbers(resp) == set()


def test_search_count_stops_at_the_cap(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kefu.console import paging

    cust = world.customer()
    for i in range(4):
        world.order(cust, title=f"燃气泄漏 {i}")
    world.order(cust, title="水管爆裂")
    c = client_for(world.agent)
    resp = c.get(QUEUE, {"tab": "team", "q": "泄漏"})
    assert "4 orders" in resp.content.decode() and len(numbers(resp)) == 4
    monkeypatch.setattr(paging, "SEARCH_COUNT_CAP", 3)
    resp = c.get(QUEUE, {"tab": "team", "q": "泄漏"})
    body = resp.content.decode()
    assert "More than 3 orders match: narrow the search to see them all" in body
    assert len(numbers(resp)) == 3  # the page stops at the cap
    # without a search the team tab is counted exactly
    assert "5 orders" in c.get(QUEUE, {"tab": "team"}).content.decode()


def _row_order(resp) -> list[str]:  # type: ignore[no-untyped-def]
    body = resp.content.decode()
    return re.findall(r'data-number="(GD-\d{8}-\d{6})"', body[body.index('id="queue-table"') :])


def test_sorting(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    low = world.order(cust, priority="low")
    urgent = world.order(cust, priority="urgent")
    normal = world.order(cust, priority="normal")
    now = timezone.now()
    WorkOrder.objects.filter(pk=low.pk).update(due_at=now + dt.timedelta(hours=1))
    WorkOrder.objects.filter(pk=urgent.pk).update(due_at=now + dt.timedelta(hours=3))
    WorkOrder.objects.filter(pk=normal.pk).update(due_at=now + dt.timedelta(hours=2))
    c = client_for(world.agent)
    assert _row_order(c.get(QUEUE, {"tab": "team", "sort": "due_at"})) == [
        low.number,
        normal.number,
        urgent.number,
    ]
    assert _row_order(c.get(QUEUE, {"tab": "team", "sort": "-due_at"})) == [
        urgent.number,
        normal.number,
        low.number,
    ]
    assert _row_order(c.get(QUEUE, {"tab": "team", "sort": "-priority"})) == [
        urgent.number,
        normal.number,
        low.number,
    ]
    assert _row_order(c.get(QUEUE, {"tab": "team", "sort": "priority"})) == [
        low.number,
        normal.number,
        urgent.number,
    ]


def test_pagination(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_PAGE_SIZE = 2
    cust = world.customer()
    made = [world.order(cust, title=f"工单{i}") for i in range(5)]
    c = client_for(world.agent)
    seen: list[str] = []
    for page in (1, 2, 3):
        resp = c.get(QUEUE, {"tab": "team", "sort": "received_at", "page": page})
        body = resp.content.decode()
        assert "5 orders" in body
        assert f"page {page} of 3" in body
        seen += _row_order(resp)
    assert seen == [o.number for o in made]
    body = c.get(QUEUE, {"tab": "team", "sort": "received_at", "page": "2"}).content.decode()
    assert "page=3" in body and "page=1" in body and "sort=received_at" in body


def test_htmx_poll_returns_only_the_table(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    full = c.get(QUEUE, {"tab": "team"}).content.decode()
    # refreshed when the page's live stream announces a change (kefu.live), not on a timer
    assert 'hx-trigger="live-queue from:body"' in full and 'data-live-scope="team"' in full
    assert f'data-live-poll="{settings.KEFU_QUEUE_POLL_SECONDS}"' in full  # the fall-back without push
    assert "<html" in full
    resp = c.get(QUEUE, {"tab": "team", "order_type": "fault_major"}, HTTP_HX_REQUEST="true")
    body = resp.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="queue-body"')
    # the poll keeps the current filters
    assert re.search(r'hx-get="/orders/\?[^"]*order_type=fault_major', body)
    assert numbers(resp) == {orders["o1"].number}


def test_queue_polls_when_live_updates_are_off(world, orders, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_LIVE = False
    full = client_for(world.agent).get(QUEUE, {"tab": "team"}).content.decode()
    assert f'hx-trigger="every {settings.KEFU_QUEUE_POLL_SECONDS}s"' in full
    assert "data-live-url" not in full and "live.js" not in full


def test_customers_and_anonymous_cannot_open_queues(world, orders) -> None:  # type: ignore[no-untyped-def]
    from kefu.testing.factories import make_portal_customer

    assert Client().get(QUEUE).status_code == 302
    user = make_portal_customer(world, orders["o1"].customer)
    c = Client()
    c.force_login(user)
    assert c.get(QUEUE).status_code == 404


def _count_queue_queries(c: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = c.get(QUEUE, {"tab": "team"})
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    for i in range(5):
        o = world.order(cust, title=f"故障{i}")
        actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    c = client_for(world.agent)
    c.get(QUEUE)  # warm the session's time zone
    small = _count_queue_queries(c)
    for i in range(55):
        o = world.order(cust, title=f"批量{i}")
        if i % 2:
            actions.do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="维修")
    big = _count_queue_queries(c)
    assert big == small
    # 12 for the page, +1 for the notification bell's COUNT, +1 the newest live-event id (the page's stream
    # starts after it)
    with django_assert_max_num_queries(14):
        resp = c.get(QUEUE, {"tab": "team"})
    assert len(_row_order(resp)) == 50
    assert "60 orders" in resp.content.decode()

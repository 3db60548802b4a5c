"""Phone calls (R-7): the CTI webhook, idempotency, the screen pop, missed calls → call-back tasks."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from kefu.api.tests.conftest import api_for
from kefu.channels.models import Call, CallbackTask, CallEvent
from kefu.testing.factories import World

pytestmark = pytest.mark.django_db


def event(
    call_id: str, ev: str, caller: str = "138 0013 8000", agent: str = "", line: str = "12345"
) -> dict[str, Any]:
    return {"call_id": call_id, "caller": caller, "line": line, "event": ev, "agent": agent}


def console(world: World) -> Client:
    c = Client()
    c.force_login(world.agent.user)
    return c


def test_ringing_matches_customer_by_normalised_phone_and_agent_by_badge(world: World) -> None:
    customer = world.customer(name="王五", phone="13800138000")
    api = api_for(world.admin.user)
    r = api.post(
        "/cti/calls", event("c-1", "ringing", caller="+86 138-0013-8000", agent=world.agent.badge_no)
    )
    assert r.status_code == 201, r.body
    assert r.body["customer_id"] == customer.pk
    assert r.body["staff_id"] == world.agent.pk
    assert r.body["caller_normalized"] == "+8613800138000"
    assert r.body["state"] == "ringing"
    assert r.body["applied"] is True


def test_same_event_twice_is_applied_once(world: World) -> None:
    api = api_for(world.admin.user)
    assert api.post("/cti/calls", event("c-2", "ringing", agent="agent")).status_code == 201
    assert api.post("/cti/calls", event("c-2", "answered")).status_code == 201
    again = api.post("/cti/calls", event("c-2", "answered"))
    assert again.status_code == 200
    assert again.body["applied"] is False
    assert CallEvent.objects.filter(call__call_id="c-2").count() == 2
    call = Call.objects.get(call_id="c-2")
    assert call.state == "answered" and call.answered_at is not None
    assert call.staff == world.agent  # by username


def test_webhook_needs_a_token_and_a_valid_event(world: World) -> None:
    from kefu.api.tests.conftest import Api

    assert Api(Client()).post("/cti/calls", event("c-3", "ringing")).status_code == 401
    api = api_for(world.admin.user)
    assert api.post("/cti/calls", event("c-3", "exploded")).status_code == 400
    assert not Call.objects.filter(call_id="c-3").exists()


def test_missed_call_becomes_one_callback_task(world: World) -> None:
    customer = world.customer(name="赵六", phone="13900139000")
    api = api_for(world.admin.user)
    api.post("/cti/calls", event("c-4", "ringing", caller="13900139000"))
    api.post("/cti/calls", event("c-4", "missed", caller="13900139000"))
    api.post("/cti/calls", event("c-4", "missed", caller="13900139000"))
    task = CallbackTask.objects.get()
    assert task.customer == customer
    assert task.phone == "+8613900139000"
    assert task.branch == customer.branch
    assert task.done_at is None and task.due > task.call.started_at
    assert Call.objects.get(call_id="c-4").state == "missed"


def test_pop_appears_within_a_second_of_the_webhook(world: World) -> None:
    customer = world.customer(name="孙七", phone="13700137000")
    order = world.order(customer)
    c = console(world)
    before = c.get("/calls/pop/")
    assert before.status_code == 200
    assert b"call-pop-bar" not in before.content
    api = api_for(world.admin.user)
    start = time.monotonic()
    api.post("/cti/calls", event("c-5", "ringing", caller="13700137000", agent=world.agent.badge_no))
    pop = c.get("/calls/pop/")
    elapsed = time.monotonic() - start
    assert elapsed < 1.0
    html = pop.content.decode()
    assert 'data-testid="call-pop-bar"' in html
    assert "孙七" in html
    assert f"/customers/{customer.pk}/" in html
    assert order.number in html
    assert f"/orders/new/?customer={customer.pk}" in html
    # another agent's console shows nothing
    other = Client()
    other.force_login(world.agent_senior.user)
    assert b"call-pop-bar" not in other.get("/calls/pop/").content
    # the call ends → the pop goes away
    api.post("/cti/calls", event("c-5", "ended", caller="13700137000"))
    assert b"call-pop-bar" not in c.get("/calls/pop/").content


def test_unknown_caller_offers_a_new_customer_with_the_phone(world: World) -> None:
    c = console(world)
    api_for(world.admin.user).post("/cti/calls", event("c-6", "ringing", caller="13600136000", agent="agent"))
    html = c.get("/calls/pop/").content.decode()
    assert "call-pop-new-customer" in html
    assert "/customers/new/?phone=%2B8613600136000" in html


def test_console_pages_fetch_the_pop_when_the_call_event_is_pushed(world: World) -> None:
    from kefu.live.models import LiveEvent

    html = console(world).get("/customers/").content.decode()
    # no 1-second poll: the pop is fetched on load and when the page's stream delivers a "call" event
    assert 'hx-get="/calls/pop/" hx-trigger="load, live-call from:body"' in html
    assert "every 1s" not in html
    api_for(world.admin.user).post("/cti/calls", event("c-8", "ringing", caller="13700137000", agent="agent"))
    ev = LiveEvent.objects.get(topic=f"staff:{world.agent.pk}")
    assert (ev.event, ev.data) == ("call", {"call": Call.objects.get(call_id="c-8").pk, "state": "ringing"})


def test_without_push_the_pop_is_polled_slowly(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_LIVE = False
    html = console(world).get("/customers/").content.decode()
    assert f"live-call from:body, every {settings.KEFU_QUEUE_POLL_SECONDS}s" in html


def test_call_screen_logs_the_call_with_the_checklist_once(world: World) -> None:
    from kefu.customers.models import Contact

    customer = world.customer(name="周八", phone="13500135000")
    api_for(world.admin.user).post(
        "/cti/calls", event("c-7", "answered", caller="13500135000", agent="agent")
    )
    call = Call.objects.get(call_id="c-7")
    c = console(world)
    page = c.get(f"/calls/{call.pk}/").content.decode()
    assert "周八" in page and 'name="step_greet"' in page and 'name="step_close"' in page
    r = c.post(
        f"/calls/{call.pk}/",
        {
            "step_greet": "on",
            "step_rapport": "on",
            "step_verify": "on",
            "summary": "询问宽带资费，已解释套餐",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/customers/{customer.pk}/"
    contact = Contact.objects.get(customer=customer, channel="phone")
    assert contact.staff == world.agent
    assert contact.summary == "询问宽带资费，已解释套餐"
    assert contact.details == {
        "call_id": "c-7",
        "steps": {
            "greet": True,
            "rapport": True,
            "feeling": False,
            "guide": False,
            "verify": True,
            "close": False,
        },
    }
    again = c.post(f"/calls/{call.pk}/", {"step_close": "on", "summary": "再次保存"})
    assert again.status_code == 409
    assert Contact.objects.filter(customer=customer, channel="phone").count() == 1


def test_call_screen_needs_a_summary_and_a_customer(world: World) -> None:
    api = api_for(world.admin.user)
    api.post("/cti/calls", event("c-8", "answered", caller="13300133000", agent="agent"))
    call = Call.objects.get(call_id="c-8")
    c = console(world)
    r = c.post(f"/calls/{call.pk}/", {"step_greet": "on", "summary": "问询"})
    assert r.status_code == 400 and "call-new-customer" in r.content.decode()
    # the agent creates the customer from the pop; the call screen finds them by the phone
    customer = world.customer(name="吴九", phone="13300133000")
    empty = c.post(f"/calls/{call.pk}/", {"step_greet": "on", "summary": "  "})
    assert empty.status_code == 400
    ok = c.post(f"/calls/{call.pk}/", {"step_greet": "on", "summary": "问询停电时间"})
    assert ok.status_code == 302 and ok["Location"] == f"/customers/{customer.pk}/"


def test_callback_list_of_the_branch_and_called_back_once(world: World) -> None:
    north = world.customer(name="郑十", phone="13200132000")
    south = world.customer(name="南方客户", phone="13100131000", branch=world.south)
    api = api_for(world.admin.user)
    for cid, phone in (("m-1", "13200132000"), ("m-2", "13100131000")):
        api.post("/cti/calls", event(cid, "ringing", caller=phone))
        api.post("/cti/calls", event(cid, "missed", caller=phone))
    c = console(world)
    page = c.get("/calls/callbacks/").content.decode()
    assert "郑十" in page and "南方客户" not in page
    task = CallbackTask.objects.get(customer=north)
    south_task = CallbackTask.objects.get(customer=south)
    assert c.post(f"/calls/callbacks/{south_task.pk}/done/").status_code == 404
    r = c.post(f"/calls/callbacks/{task.pk}/done/", follow=True)
    assert r.status_code == 200
    task.refresh_from_db()
    assert task.done_by == world.agent and task.done_at is not None
    assert 'id="callbacks-none"' in r.content.decode()
    # a second "called back" (another tab) changes nothing
    done_at = task.done_at
    c.post(f"/calls/callbacks/{task.pk}/done/")
    task.refresh_from_db()
    assert task.done_at == done_at
    south_task.refresh_from_db()
    assert south_task.done_at is None


def test_call_screen_of_another_agents_call_needs_its_customer_visible(world: World) -> None:
    world.customer(name="北方客户", phone="13800138001")
    api_for(world.admin.user).post(
        "/cti/calls", event("c-9", "answered", caller="13800138001", agent="agent")
    )
    call = Call.objects.get(call_id="c-9")
    south = Client()
    south.force_login(world.agent_south.user)
    assert south.get(f"/calls/{call.pk}/").status_code == 404
    north_colleague = Client()
    north_colleague.force_login(world.agent_senior.user)
    assert north_colleague.get(f"/calls/{call.pk}/").status_code == 200


def test_back_office_lists_calls_and_callbacks_read_only(world: World) -> None:
    world.customer(name="赵六", phone="13900139000")
    api = api_for(world.admin.user)
    api.post("/cti/calls", event("c-9", "ringing", caller="13900139000"))
    api.post("/cti/calls", event("c-9", "missed", caller="13900139000"))
    c = Client()
    c.force_login(world.admin.user)
    calls = c.get("/admin/channels/call/")
    assert calls.status_code == 200 and "c-9" in calls.content.decode()
    tasks = c.get("/admin/channels/callbacktask/")
    assert tasks.status_code == 200 and "+8613900139000" in tasks.content.decode()
    assert c.get("/admin/channels/gatewaymessage/").status_code == 200
    assert c.get("/admin/channels/call/add/").status_code == 403  # records of what happened: read-only


def test_pop_poll_is_cheap(world: World, django_assert_num_queries: Any) -> None:
    """An open console page fetches the pop on load and on each pushed call event (polls it only without
    push): the session with its user and staff (one query) and one indexed call query when nothing rings; the
    caller's customer and open orders only while a call rings."""
    customer = world.customer(name="孙七", phone="13700137000")
    world.order(customer)
    c = console(world)
    c.get("/calls/pop/")
    with django_assert_num_queries(2):
        assert b"call-pop-bar" not in c.get("/calls/pop/").content
    api_for(world.admin.user).post(
        "/cti/calls", event("c-9", "ringing", caller="13700137000", agent=world.agent.badge_no)
    )
    with django_assert_num_queries(4):
        assert b"call-pop-bar" in c.get("/calls/pop/").content


def test_a_merged_customer_record_answers_with_its_survivor(world: World) -> None:
    from kefu.customers.lookup import customer_for_phone
    from kefu.customers.models import Customer

    old = world.customer(name="旧档案", phone="13600136000")
    survivor = world.customer(name="新档案", phone="13700137000")
    assert customer_for_phone("+8613600136000") == old
    Customer.objects.filter(pk=old.pk).update(merged_into=survivor)
    # the screen pop shows the record the person lives on (kefu.customers.merge), never the merged one
    assert customer_for_phone("+8613600136000") == survivor


def test_called_line_routes_unknown_callers_to_its_branch(world: World) -> None:
    from kefu.channels.models import ChannelEndpoint, EndpointKind

    ep = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.PHONE, identifier="0755-9600 0001"
    )
    api = api_for(world.admin.user)
    api.post("/cti/calls", event("l-1", "ringing", caller="13011112222", line="075596000001"))
    api.post("/cti/calls", event("l-1", "missed", caller="13011112222", line="075596000001"))
    call = Call.objects.get(call_id="l-1")
    assert call.customer is None and call.branch == world.south
    assert CallbackTask.objects.get(call=call).branch == world.south
    ep.refresh_from_db()
    assert ep.last_inbound_at is not None
    # the unassigned call of an unknown caller is the south branch's: the north agent does not see it
    assert console(world).get(f"/calls/{call.pk}/").status_code == 404
    south = Client()
    south.force_login(world.agent_south.user)
    assert south.get(f"/calls/{call.pk}/").status_code == 200
    # a line without an endpoint: the call has no branch (as before: company-wide call-back list)
    api.post("/cti/calls", event("l-2", "missed", caller="13011113333", line="99999"))
    assert Call.objects.get(call_id="l-2").branch is None


def test_an_order_from_the_call_records_the_outlet_whose_line_was_dialled(world: World) -> None:
    from kefu.channels.cti.calls import outlet_for_line
    from kefu.organization.models import Outlet
    from kefu.workorders.models import WorkOrder

    east = Outlet.objects.create(
        branch=world.north, name="东门营业厅", address="东门路1号", phone="0571-8888 1234"
    )
    Outlet.objects.create(branch=world.north, name="西门营业厅", address="西门路2号", phone="0571-8888 5678")
    south = Outlet.objects.create(
        branch=world.south, name="南湖营业厅", address="南湖乡", phone="0571 8888 9999"
    )
    # normalised on both sides; the hotline and unknown lines are no outlet's
    assert outlet_for_line("+86 571 8888 1234") == east
    assert outlet_for_line("057188881234", world.north.pk) == east
    assert outlet_for_line("057188889999", world.north.pk) is None  # another branch's outlet
    assert outlet_for_line("057188889999") == south
    assert outlet_for_line("96777") is None and outlet_for_line("") is None
    customer = world.customer(name="周八", phone="13500135000")
    api = api_for(world.admin.user)
    r = api.post(
        "/cti/calls",
        event("o-1", "answered", caller="13500135000", line="057188881234", agent=world.agent.badge_no),
    )
    assert r.status_code == 201, r.body
    call = Call.objects.get(call_id="o-1")
    c = console(world)
    link = f"/orders/new/?customer={customer.pk}&amp;call={call.pk}"
    assert link in c.get("/calls/pop/").content.decode()
    form = c.get(link.replace("&amp;", "&")).content.decode()
    assert f'<option value="{east.pk}" selected>' in form
    resp = c.post(
        f"/orders/new/?customer={customer.pk}",
        {
            "order_type": "fault_general",
            "title": "燃气表漏气",
            "description": "客户来电：厨房燃气表附近有气味",
            "channel": "phone",
            "outlet": str(east.pk),
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors
    assert WorkOrder.objects.get(customer=customer).outlet_id == east.pk
    # the hotline: nothing preselected
    api.post("/cti/calls", event("o-2", "answered", caller="13500135000", line="96777", agent="agent"))
    other = Call.objects.get(call_id="o-2")
    form = c.get(f"/orders/new/?customer={customer.pk}&call={other.pk}").content.decode()
    assert '<option value="" selected>—</option>' in form.split('name="outlet"')[1].split("</select>")[0]
    assert f'<option value="{east.pk}" selected>' not in form

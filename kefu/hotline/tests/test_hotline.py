"""The company-wide hotline (docs/hotline.md): a hotline agent finds, pops and registers orders for the
customers of every branch; the order is the customer's branch's, the agent its first-contact owner."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.api.tests.conftest import api_for, assert_error
from kefu.audit.models import AuditRecord
from kefu.channels.models import Call
from kefu.hotline.models import HotlineSession
from kefu.hotline.tests.scene import Scene, make_scene
from kefu.lib import clock
from kefu.testing.factories import World
from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: World) -> Scene:
    return make_scene(world)


def _ring(
    world: World, scene: Scene, call_id: str, event: str = "ringing", phone: str = "13800138002"
) -> None:
    r = api_for(world.admin.user).post(
        "/cti/calls",
        {
            "call_id": call_id,
            "caller": phone,
            "line": "96777",
            "event": event,
            "agent": scene.hotline.badge_no,
        },
    )
    assert r.status_code == 201, r.body


def test_without_a_caller_a_hotline_agent_sees_no_customer_and_no_order(world, scene):
    api = scene.api()
    assert api.get("/orders").body["count"] == 0
    assert api.get("/customers").body["count"] == 0
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")
    assert_error(api.get(f"/orders/{scene.north_o.number}"), 404, "not_found")
    assert not scene.hotline.sees_all_branches


def test_a_call_routed_to_the_hotline_agent_pops_the_south_customer(world, scene):
    _ring(world, scene, "hl-1")
    console = scene.console()
    pop = console.get("/calls/pop/").content.decode()
    assert "南客户" in pop and "城南分公司" in pop
    assert 'id="call-pop-new-customer"' not in pop  # not "Unknown caller."
    assert scene.south_o.number in pop  # the caller's open order
    # the customer and their orders are open while the call lasts; the neighbour's are not
    assert console.get(f"/customers/{scene.south_c.pk}/").status_code == 200
    assert console.get(f"/orders/{scene.south_o.number}/").status_code == 200
    assert console.get(f"/orders/{scene.neighbour_o.number}/").status_code == 404
    assert console.get(f"/customers/{scene.neighbour.pk}/").status_code == 404


def test_the_call_grant_ends_after_the_wrap_up(world, scene, settings):
    settings.KEFU_HOTLINE_WRAPUP_MINUTES = 10
    _ring(world, scene, "hl-2")
    _ring(world, scene, "hl-2", "answered")
    _ring(world, scene, "hl-2", "ended")
    api = scene.api()
    assert api.get(f"/customers/{scene.south_c.pk}").status_code == 200  # wrap-up: register the order now
    Call.objects.filter(call_id="hl-2").update(ended_at=clock.now() - dt.timedelta(minutes=11))
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")
    assert_error(api.get(f"/orders/{scene.south_o.pk}"), 404, "not_found")


def test_a_north_agent_still_cannot_find_the_south_caller(world, scene):
    r = api_for(world.admin.user).post(
        "/cti/calls",
        {"call_id": "n-1", "caller": "13800138002", "line": "96777", "event": "ringing", "agent": "agent"},
    )
    assert r.status_code == 201
    c = scene.console().__class__()
    c.force_login(world.agent.user)
    pop = c.get("/calls/pop/").content.decode()
    assert 'id="call-pop-new-customer"' in pop and "南客户" not in pop  # "Unknown caller."


def test_search_take_register_end_close(world, scene):
    api = scene.api()
    hits = api.get("/hotline/customers", q="138 0013 8002")
    assert hits.status_code == 200, hits.body
    assert [(h["name"], h["branch"], h["phone"]) for h in hits.body["items"]] == [
        ("南客户", "城南分公司", "138****8002")
    ]
    assert hits.body["items"][0]["address"] == "南湖乡幸福村***"
    by_name = api.get("/hotline/customers", q="南客").body["items"]
    assert {h["name"] for h in by_name} == {"南客户"}
    r = api.post("/hotline/sessions", {"customer_id": scene.south_c.pk})
    assert r.status_code == 201, r.body
    assert r.body["branch_id"] == world.south.pk
    assert api.get(f"/customers/{scene.south_c.pk}").status_code == 200
    assert {o["id"] for o in api.get(f"/customers/{scene.south_c.pk}/orders").body["items"]} == {
        scene.south_o.pk
    }
    created = api.post(
        "/orders",
        {
            "customer_id": scene.south_c.pk,
            "order_type": "fault_general",
            "title": "燃气表不走",
            "description": "表不转",
        },
    )
    assert created.status_code == 201, created.body
    o = WorkOrder.objects.select_related("area").get(pk=created.body["id"])
    # the order belongs to the customer's branch (its area, calendar, limits), the agent is its owner
    assert (o.branch_id, o.area_id, o.owner_id) == (world.south.pk, world.area_s1.pk, scene.hotline.pk)
    assert o.clocks.exists()
    ended = api.post("/hotline/sessions/end")
    assert ended.body == {"ended": [scene.south_c.pk]}
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")
    assert_error(api.get(f"/orders/{scene.south_o.pk}"), 404, "not_found")
    assert api.get(f"/orders/{o.number}").status_code == 200  # registered by the agent: seen until closed
    assert [x["id"] for x in api.get("/orders").body["items"]] == [o.pk]
    do_transition(world.supervisor_south.user, o.pk, "closed", reason="客户撤回", close_reason="withdrawn")
    assert_error(api.get(f"/orders/{o.number}"), 404, "not_found")
    actions = list(
        AuditRecord.objects.filter(action__startswith="hotline.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["hotline.search", "hotline.search", "hotline.open", "hotline.end"]


def test_one_customer_on_the_line_at_a_time(world, scene):
    api = scene.api()
    assert api.post("/hotline/sessions", {"customer_id": scene.south_c.pk}).status_code == 201
    assert api.post("/hotline/sessions", {"customer_id": scene.north_c.pk}).status_code == 201
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")
    assert api.get(f"/customers/{scene.north_c.pk}").status_code == 200
    assert [c["id"] for c in api.get("/customers").body["items"]] == [scene.north_c.pk]


def test_a_session_expires(world, scene, settings):
    settings.KEFU_HOTLINE_SESSION_MINUTES = 30
    api = scene.api()
    api.post("/hotline/sessions", {"customer_id": scene.south_c.pk})
    s = HotlineSession.objects.get()
    assert s.expires_at - s.opened_at == dt.timedelta(minutes=30)
    HotlineSession.objects.update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")


def test_a_customer_created_on_the_hotline_is_on_the_line(world, scene):
    api = scene.api()
    r = api.post("/customers", {"name": "新南客", "phone": "13900139000", "branch_id": world.south.pk})
    assert r.status_code == 201, r.body
    assert api.get(f"/customers/{r.body['id']}").status_code == 200
    assert HotlineSession.objects.get().via == "created"
    # an ordinary north agent still cannot add a customer to the south branch
    refused = api_for(world.agent.user).post(
        "/customers", {"name": "越界", "phone": "13900139001", "branch_id": world.south.pk}
    )
    assert_error(refused, 400, "forbidden_branch")


@pytest.mark.parametrize("who", ["agent", "supervisor", "technician", "inspector"])
def test_only_hotline_agents_use_the_hotline(world, scene, who):
    api = api_for(getattr(world, who).user)
    assert_error(api.get("/hotline/customers", q="南客户"), 403, "forbidden")
    assert_error(api.post("/hotline/sessions", {"customer_id": scene.south_c.pk}), 403, "forbidden")
    assert not HotlineSession.objects.exists()


def test_search_needs_two_characters(world, scene):
    assert_error(scene.api().get("/hotline/customers", q="南"), 400)
    r = scene.console().get("/hotline/", {"q": "南"})
    assert r.status_code == 400 and 'id="hotline-error"' in r.content.decode()


def test_console_desk_search_take_and_end(world, scene):
    console = scene.console()
    page = console.get("/hotline/", {"q": "13800138002"}).content.decode()
    row = page[page.index(f'id="hotline-row-{scene.south_c.pk}"') :].split("</tr>")[0]
    assert "南客户" in row and "138****8002" in row and "13800138002" not in row and "城南分公司" in row
    r = console.post(f"/hotline/customers/{scene.south_c.pk}/take/")
    assert r.status_code == 302 and r["Location"] == f"/customers/{scene.south_c.pk}/"
    detail = console.get(r["Location"]).content.decode()
    assert "南客户" in detail and "13800138002" not in detail  # masked by need like every agent
    desk = console.get("/hotline/").content.decode()
    assert 'id="hotline-current"' in desk and "南客户" in desk
    create = console.get(f"/orders/new/?customer={scene.south_c.pk}")
    assert create.status_code == 200
    assert console.post("/hotline/end/").status_code == 302
    assert console.get(f"/customers/{scene.south_c.pk}/").status_code == 404
    assert console.get(f"/orders/new/?customer={scene.south_c.pk}").status_code == 404


def test_demo_hotline_agent_and_photo() -> None:
    import io

    from kefu.demo import demo_logins, load_demo
    from kefu.organization.models import Staff
    from kefu.workorders.access import visible_workorders
    from kefu.workorders.models import Attachment

    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert "hotline1" in demo_logins()
    agent = Staff.objects.get(user__username="hotline1")
    assert (agent.role, agent.branch_id, agent.sees_all_branches) == ("hotline", None, False)
    assert not visible_workorders(agent.user).exists()  # nobody on the line yet
    photo = Attachment.objects.get(filename="meter-photo.png")
    assert photo.content_type == "image/png" and photo.previewable and photo.workorder.branch.code == "south"


@pytest.mark.django_db(transaction=True)
def test_search_and_session_commit_their_audit_records_as_a_request_does(world):
    """Outside a test transaction (as in a real request): the search writes its audit record in its own."""
    scene = make_scene(world)
    r = scene.api().get("/hotline/customers", q="南客户")
    assert r.status_code == 200 and [h["id"] for h in r.body["items"]] == [scene.south_c.pk]
    assert scene.api().post("/hotline/sessions", {"customer_id": scene.south_c.pk}).status_code == 201
    assert AuditRecord.objects.filter(action__in=["hotline.search", "hotline.open"]).count() == 2

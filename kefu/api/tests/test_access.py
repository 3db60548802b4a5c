"""Who sees and does what through the API, for every persona, including guessed ids."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.api.tests.conftest import Api, assert_error
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    north_c = world.customer(name="北客户", phone="13800138001")
    south_c = world.customer(name="南客户", phone="13800138002", branch=world.south)
    north_o = world.order(north_c, title="北工单")
    south_o = world.order(south_c, title="南工单")
    return north_c, south_c, north_o, south_o


def _portal(world, customer, username="cust"):
    make_portal_customer(world, customer, username)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return Api(client)


def test_agent_sees_only_own_branch_in_lists(world, apis, scene):
    north_c, _south_c, north_o, south_o = scene
    assert [o["id"] for o in apis("agent").get("/orders").body["items"]] == [north_o.pk]
    assert [c["id"] for c in apis("agent").get("/customers").body["items"]] == [north_c.pk]
    assert [o["id"] for o in apis("agent_south").get("/orders").body["items"]] == [south_o.pk]
    assert apis("admin").get("/orders").body["count"] == 2
    assert apis("inspector").get("/orders").body["count"] == 2
    # filtering by the other branch does not widen the view
    assert apis("agent").get("/orders", branch=world.south.pk).body["count"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/customers/{c}", None),
        ("PATCH", "/customers/{c}", {"name": "x", "version": 1}),
        ("GET", "/customers/{c}/orders", None),
        ("POST", "/customers/{c}/notes", {"body": "x"}),
        ("POST", "/customers/{c}/records/payment", {"amount": "1", "due_date": "2024-01-01"}),
        ("GET", "/orders/{o}", None),
        ("GET", "/orders/{n}", None),
        ("PATCH", "/orders/{o}", {"title": "x", "version": 1}),
        ("POST", "/orders/{o}/transition", {"status": "in_progress"}),
        ("POST", "/orders/{o}/replies", {"channel": "sms", "body": "x"}),
        ("POST", "/orders/{o}/notes", {"body": "x"}),
        ("POST", "/orders/{o}/transfer", {"to_department_id": 1, "reason": "x"}),
        ("POST", "/orders/{o}/escalate", {"reason": "x"}),
        ("GET", "/orders/{o}/timeline", None),
        ("GET", "/orders/{o}/allowed-transitions", None),
        (
            "POST",
            "/orders",
            {"customer_id": "{c}", "order_type": "inquiry", "title": "t", "description": "d"},
        ),
    ],
)
def test_other_branch_ids_are_not_found(world, apis, scene, method, path, body):
    _nc, south_c, _no, south_o = scene
    fill = {"c": south_c.pk, "o": south_o.pk, "n": south_o.number}
    url = path.format(**fill)
    if body and body.get("customer_id") == "{c}":
        body = {**body, "customer_id": south_c.pk}
    r = apis("agent").call(method, url, body)
    assert_error(r, 404, "not_found")
    south_o.refresh_from_db()
    assert south_o.version == 1 and south_o.title == "南工单"
    assert WorkOrder.objects.count() == 2


def test_links_and_merges_across_branches_are_not_found(world, apis, scene):
    _nc, _sc, north_o, south_o = scene
    assert_error(apis("agent").post(f"/orders/{north_o.pk}/links", {"other": south_o.number}), 404)
    assert_error(apis("agent").post(f"/orders/{north_o.pk}/merge", {"survivor": str(south_o.pk)}), 404)


def test_search_does_not_leak_other_branches(world, apis, scene):
    assert apis("agent").get("/orders", q="南工单").body["count"] == 0
    assert apis("agent").get("/customers", q="南客户").body["count"] == 0
    assert apis("agent_south").get("/orders", q="南工单").body["count"] == 1


def test_portal_customer_sees_only_own_orders(world, apis, scene):
    north_c, south_c, north_o, south_o = scene
    mine = world.order(north_c, title="我的第二单")
    api = _portal(world, north_c)
    r = api.get("/orders")
    assert r.status_code == 200
    assert {o["id"] for o in r.body["items"]} == {north_o.pk, mine.pk}
    assert api.get(f"/orders/{north_o.number}").status_code == 200
    assert_error(api.get(f"/orders/{south_o.pk}"), 404, "not_found")
    assert_error(api.get(f"/orders/{south_o.number}"), 404, "not_found")
    assert_error(api.get(f"/customers/{south_c.pk}"), 404, "not_found")
    assert_error(api.get(f"/customers/{south_c.pk}/orders"), 404, "not_found")
    me = api.get(f"/customers/{north_c.pk}")
    assert me.status_code == 200 and me.body["name"] == "北客户"
    assert me.body["tier"] is None and me.body["churn_risk"] is None  # staff-only judgement
    assert [c["id"] for c in api.get("/customers").body["items"]] == [north_c.pk]


def test_portal_customer_timeline_is_public_only(world, apis, scene):
    north_c, _sc, north_o, _so = scene
    apis("agent").post(f"/orders/{north_o.pk}/replies", {"channel": "sms", "body": "公开回复"})
    apis("agent").post(f"/orders/{north_o.pk}/notes", {"body": "内部备注：客户难缠"})
    api = _portal(world, north_c)
    r = api.get(f"/orders/{north_o.pk}/timeline")
    assert r.status_code == 200
    bodies = [e["body"] for e in r.body["items"]]
    assert bodies == ["公开回复"]
    assert all(e["data"] is None for e in r.body["items"])
    assert TimelineEntry.objects.filter(workorder=north_o).count() == 3
    assert {t["allowed"] for t in api.get(f"/orders/{north_o.pk}/allowed-transitions").body} == {False}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/orders/{o}/notes", {"body": "x"}),
        ("POST", "/orders/{o}/replies", {"channel": "sms", "body": "x"}),
        ("POST", "/orders/{o}/transition", {"status": "in_progress"}),
        ("PATCH", "/orders/{o}", {"title": "x", "version": 1}),
        ("POST", "/orders/{o}/transfer", {"to_staff_id": 1, "reason": "x"}),
        ("POST", "/orders/{o}/escalate", {"reason": "x"}),
        (
            "POST",
            "/orders",
            {"customer_id": "{c}", "order_type": "inquiry", "title": "t", "description": "d"},
        ),
        ("POST", "/customers", {"name": "x", "phone": "13900000000"}),
        ("PATCH", "/customers/{c}", {"name": "x", "version": 1}),
        ("POST", "/customers/{c}/notes", {"body": "x"}),
    ],
)
def test_portal_customer_gets_403_on_staff_actions(world, scene, method, path, body):
    north_c, _sc, north_o, _so = scene
    api = _portal(world, north_c)
    url = path.format(c=north_c.pk, o=north_o.pk)
    if body and body.get("customer_id") == "{c}":
        body = {**body, "customer_id": north_c.pk}
    assert_error(api.call(method, url, body), 403)
    north_o.refresh_from_db()
    assert north_o.version == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/orders/{o}", {"title": "x", "version": 1}),
        ("POST", "/orders/{o}/transition", {"status": "in_progress"}),
        ("POST", "/orders/{o}/replies", {"channel": "sms", "body": "x"}),
        ("POST", "/orders/{o}/transfer", {"to_staff_id": 1, "reason": "x"}),
        ("POST", "/orders/{o}/escalate", {"reason": "x"}),
        ("POST", "/orders/{o}/links", {"other": "{o2}"}),
        (
            "POST",
            "/orders",
            {"customer_id": "{c}", "order_type": "inquiry", "title": "t", "description": "d"},
        ),
        ("POST", "/customers", {"name": "x", "phone": "13900000000"}),
        ("PATCH", "/customers/{c}", {"name": "x", "version": 1}),
        ("POST", "/customers/{c}/records/payment", {"amount": "1", "due_date": "2024-01-01"}),
        ("POST", "/customers/{c}/tier-override", {"tier": "gold", "reason": "x"}),
    ],
)
def test_inspector_is_read_only(world, apis, scene, method, path, body):
    north_c, _sc, north_o, south_o = scene
    api = apis("inspector")
    assert api.get(f"/orders/{north_o.pk}").status_code == 200  # reads every branch
    url = path.format(c=north_c.pk, o=north_o.pk)
    if body:
        body = {
            k: (north_c.pk if v == "{c}" else south_o.number if v == "{o2}" else v) for k, v in body.items()
        }
    assert_error(api.call(method, url, body), 403)
    north_o.refresh_from_db()
    assert north_o.version == 1


def test_supervisor_south_cannot_reach_north(world, apis, scene):
    north_c, _sc, north_o, _so = scene
    api = apis("supervisor_south")
    assert_error(api.get(f"/orders/{north_o.number}"), 404)
    assert_error(api.post(f"/customers/{north_c.pk}/tier-override", {"tier": "gold", "reason": "x"}), 404)
    assert (
        apis("supervisor")
        .post(f"/customers/{north_c.pk}/tier-override", {"tier": "gold", "reason": "x"})
        .status_code
        == 200
    )

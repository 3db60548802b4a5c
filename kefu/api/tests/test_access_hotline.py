"""The hotline agent persona on every API endpoint that lists, searches or opens customers and orders
(docs/hotline.md, "Access"): nothing without a caller; the customer on the line and their orders while the
session lasts; the orders the agent registered until closed; never the rest of a branch."""

from __future__ import annotations

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.hotline.tests.scene import Scene, make_scene
from kefu.testing.factories import World
from kefu.workorders.actions import do_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: World) -> Scene:
    return make_scene(world)


OPEN = [
    "/customers/{c}",
    "/customers/{c}/orders",
    "/orders/{o}",
    "/orders/{n}",
    "/orders/{o}/timeline",
    "/orders/{o}/allowed-transitions",
    "/orders/{o}/clocks",
]


def _fill(path: str, customer, order) -> str:  # type: ignore[no-untyped-def]
    return path.format(c=customer.pk, o=order.pk, n=order.number)


@pytest.mark.parametrize("path", OPEN)
def test_opens_only_the_customer_on_the_line(world, scene: Scene, path):
    api = scene.api()
    assert_error(api.get(_fill(path, scene.south_c, scene.south_o)), 404, "not_found")
    assert api.post("/hotline/sessions", {"customer_id": scene.south_c.pk}).status_code == 201
    r = api.get(_fill(path, scene.south_c, scene.south_o))
    assert r.status_code == 200, r.body
    # the other customers of the branch, and the other branch, stay closed
    assert_error(api.get(_fill(path, scene.neighbour, scene.neighbour_o)), 404, "not_found")
    assert_error(api.get(_fill(path, scene.north_c, scene.north_o)), 404, "not_found")
    api.post("/hotline/sessions/end")
    assert_error(api.get(_fill(path, scene.south_c, scene.south_o)), 404, "not_found")


def _ids(api, path, **params):  # type: ignore[no-untyped-def]
    r = api.get(path, **params)
    assert r.status_code == 200, r.body
    return sorted(x["id"] for x in r.body["items"])


def test_lists_and_searches(world, scene: Scene):
    api = scene.api()
    lists = [("/orders", {}), ("/orders", {"q": "工单"}), ("/customers", {}), ("/customers", {"q": "客户"})]
    assert [_ids(api, p, **q) for p, q in lists] == [[], [], [], []]
    assert api.get("/extensions").body == []
    api.post("/hotline/sessions", {"customer_id": scene.south_c.pk})
    assert [_ids(api, p, **q) for p, q in lists] == [
        [scene.south_o.pk],
        [scene.south_o.pk],
        [scene.south_c.pk],
        [scene.south_c.pk],
    ]
    # filtering by a branch never widens the view
    assert _ids(api, "/orders", branch=world.north.pk) == []
    # the hotline search itself finds every branch (masked); it opens nothing by itself
    found = {h["id"] for h in api.get("/hotline/customers", q="客户").body["items"]}
    assert found == {scene.north_c.pk, scene.south_c.pk}


def test_registered_orders_stay_visible_until_closed(world, scene: Scene):
    api = scene.api()
    api.post("/hotline/sessions", {"customer_id": scene.south_c.pk})
    r = api.post(
        "/orders",
        {"customer_id": scene.south_c.pk, "order_type": "inquiry", "title": "咨询", "description": "账单"},
    )
    assert r.status_code == 201, r.body
    api.post("/hotline/sessions/end")
    assert _ids(api, "/orders") == [r.body["id"]]
    assert api.get(f"/orders/{r.body['id']}/timeline").status_code == 200
    assert api.post(f"/orders/{r.body['id']}/notes", {"body": "已回电"}).status_code == 201
    assert_error(api.get(f"/customers/{scene.south_c.pk}"), 404, "not_found")
    do_transition(
        world.supervisor_south.user, r.body["id"], "closed", reason="撤回", close_reason="withdrawn"
    )
    assert _ids(api, "/orders") == []
    assert_error(api.get(f"/orders/{r.body['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/customers/{c}", {"name": "x", "version": 1}),
        ("POST", "/customers/{c}/notes", {"body": "x"}),
        ("PATCH", "/orders/{o}", {"title": "x", "version": 1}),
        ("POST", "/orders/{o}/notes", {"body": "x"}),
        ("POST", "/orders/{o}/replies", {"channel": "sms", "body": "x"}),
        (
            "POST",
            "/orders",
            {"customer_id": "{c}", "order_type": "inquiry", "title": "t", "description": "d"},
        ),
    ],
)
def test_writes_need_the_customer_on_the_line(world, scene: Scene, method, path, body):
    api = scene.api()
    url = _fill(path, scene.south_c, scene.south_o)
    body = {k: (scene.south_c.pk if v == "{c}" else v) for k, v in body.items()}
    assert_error(api.call(method, url, body), 404, "not_found")
    api.post("/hotline/sessions", {"customer_id": scene.south_c.pk})
    assert api.call(method, url, body).status_code in (200, 201)

"""The hotline agent persona on every console page that lists, searches or opens customers and orders
(docs/hotline.md, "Access"): nothing of a branch without a caller; the customer on the line (a CTI call
routed to the agent, or taken from the hotline search) and their orders; the orders the agent registered."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from kefu.api.tests.conftest import api_for
from kefu.channels.models import Call
from kefu.hotline.tests.scene import Scene, make_scene
from kefu.testing.factories import World
from kefu.workorders.actions import do_add_attachments

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: World) -> Scene:
    return make_scene(world)


# (page, what marks the south customer or their order on it)
LISTS = [
    ("/orders/?tab=team", "{n}"),
    ("/orders/?tab=team&q=南工单", "{n}"),
    ("/orders/?tab=mine", None),
    ("/orders/?tab=owned", None),
    ("/customers/", 'data-customer="{cn}"'),
    ("/customers/?q=南客户", 'data-customer="{cn}"'),
    ("/reports/export/orders/?tab=team&format=csv", "{n}"),
]
OPENS = ["/customers/{c}/", "/orders/{n}/", "/orders/{o}/", "/orders/new/?customer={c}", "/files/{a}/"]


def _fmt(s: str, scene: Scene, att: int) -> str:
    return s.format(
        c=scene.south_c.pk, cn=scene.south_c.number, n=scene.south_o.number, o=scene.south_o.pk, a=att
    )


def _content(r) -> str:  # type: ignore[no-untyped-def]
    return b"".join(r.streaming_content).decode() if r.streaming else r.content.decode()


def test_every_list_and_open_page(world: World, scene: Scene):
    att = do_add_attachments(
        world.agent_south.user, scene.south_o.pk, [ContentFile(b"meter reading 1234", name="m.txt")]
    )[0].pk
    opens = [o.replace("/files/{a}/", "/orders/attachments/{a}/") for o in OPENS]
    console = scene.console()
    # no caller: the lists show nothing of either branch, the pages are not found
    for page, mark in LISTS:
        r = console.get(_fmt(page, scene, att))
        assert r.status_code == 200, page
        text = _content(r)
        assert scene.south_o.number not in text and scene.north_o.number not in text, page
        for c in (scene.south_c, scene.north_c, scene.neighbour):
            assert f'data-customer="{c.number}"' not in text, page
        if mark:
            assert _fmt(mark, scene, att) not in text
    for page in opens:
        assert console.get(_fmt(page, scene, att)).status_code == 404, page
    # the caller taken from the hotline search: their record and orders, nothing else
    console.post(f"/hotline/customers/{scene.south_c.pk}/take/")
    for page, mark in LISTS:
        text = _content(console.get(_fmt(page, scene, att)))
        if mark:
            assert _fmt(mark, scene, att) in text, page
        assert scene.neighbour_o.number not in text and scene.north_o.number not in text, page
        for c in (scene.north_c, scene.neighbour):
            assert f'data-customer="{c.number}"' not in text, page
    for page in opens:
        assert console.get(_fmt(page, scene, att)).status_code == 200, page
    assert console.get(f"/customers/{scene.neighbour.pk}/").status_code == 404
    assert console.get(f"/orders/{scene.neighbour_o.number}/").status_code == 404
    # the call ended: closed again
    console.post("/hotline/end/")
    for page in opens:
        assert console.get(_fmt(page, scene, att)).status_code == 404, page


def test_call_pages_and_callbacks(world: World, scene: Scene):
    admin = api_for(world.admin.user)
    for call_id, phone, agent, event in [
        ("h-1", "13800138002", scene.hotline.badge_no, "ringing"),
        ("h-2", "13800138001", scene.hotline.badge_no, "missed"),
        ("b-1", "13800138003", world.agent_south.badge_no, "missed"),
    ]:
        r = admin.post(
            "/cti/calls",
            {"call_id": call_id, "caller": phone, "line": "96777", "event": event, "agent": agent},
        )
        assert r.status_code == 201, r.body
    console = scene.console()
    mine = Call.objects.get(call_id="h-1")
    page = console.get(f"/calls/{mine.pk}/").content.decode()
    assert "南客户" in page and scene.south_o.number in page
    # a call of a branch agent is not the hotline's
    assert console.get(f"/calls/{Call.objects.get(call_id='b-1').pk}/").status_code == 404
    callbacks = console.get("/calls/callbacks/").content.decode()
    assert "+8613800138001" in callbacks  # missed on the hotline
    assert "+8613800138003" not in callbacks  # missed by the south branch's agent


def test_escalations_and_desk_pages(world: World, scene: Scene):
    console = scene.console()
    assert console.get("/orders/escalations/").status_code == 200
    desk = console.get("/hotline/", {"q": "客户"})
    assert desk.status_code == 200
    text = desk.content.decode()
    assert "南客户" in text and "北客户" in text  # the search spans every branch
    assert scene.south_o.number not in text  # … and opens no order by itself
    # ordinary staff have no hotline desk
    other = scene.console().__class__()
    other.force_login(world.agent.user)
    assert other.get("/hotline/").status_code == 404
    assert other.post(f"/hotline/customers/{scene.south_c.pk}/take/").status_code == 404

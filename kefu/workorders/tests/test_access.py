"""Access rules of work orders for every persona: lists, by id, by number, attachments, timeline.

Guessed ids/numbers of rows outside a persona's scope answer NotFound, exactly like ids that do
not exist, so nothing can be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.lib.errors import NotFound
from kefu.testing.factories import make_portal_customer, make_staff
from kefu.workorders.access import (
    access_attachment,
    access_workorder,
    visible_attachments,
    visible_timeline,
    visible_workorders,
)
from kefu.workorders.actions import do_add_attachments, do_note, do_reply
from kefu.workorders.models import Attachment, WorkOrder

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    users: dict[str, Any]
    orders: dict[str, WorkOrder]  # "n1" (north, customer 1), "n2" (north, customer 2), "s" (south)
    public_att: Attachment
    private_att: Attachment


@pytest.fixture
def scene(world: Any) -> Scene:
    c1 = world.customer(name="张三", phone="13800138000")
    c2 = world.customer(name="李四", phone="13900139000")
    cs = world.customer(name="王五", phone="13700137000", branch=world.south)
    n1, n2, s = world.order(c1), world.order(c2), world.order(cs)
    (public_att,) = do_add_attachments(world.agent.user, n1.pk, [SimpleUploadedFile("a.txt", b"public")])
    (private_att,) = do_add_attachments(
        world.agent.user, n1.pk, [SimpleUploadedFile("b.txt", b"internal")], public=False
    )
    do_reply(world.agent.user, n1.pk, "您好，师傅明天上门", channel="sms")
    do_note(world.agent.user, n1.pk, "内部：客户脾气急")
    inactive = make_staff("gone", "agent", world.north)
    inactive.is_active = False
    inactive.save()
    users = {
        "admin": world.admin.user,
        "president": world.president.user,
        "supervisor": world.supervisor.user,
        "agent": world.agent.user,
        "technician": world.technician.user,
        "followup": world.followup.user,
        "inspector": world.inspector.user,
        "agent_south": world.agent_south.user,
        "customer": make_portal_customer(world, c1, "cust1"),
        "other_customer": make_portal_customer(world, c2, "cust2"),
        "anonymous": AnonymousUser(),
        "inactive_staff": inactive.user,
        "nobody": None,
    }
    return Scene(users, {"n1": n1, "n2": n2, "s": s}, public_att, private_att)


ALL = {"n1", "n2", "s"}
NORTH = {"n1", "n2"}
EXPECTED_ORDERS: dict[str, set[str]] = {
    "admin": ALL,
    "president": ALL,
    "inspector": ALL,
    "supervisor": NORTH,
    "agent": NORTH,
    "technician": NORTH,
    "followup": NORTH,
    "agent_south": {"s"},
    "customer": {"n1"},
    "other_customer": {"n2"},
    "anonymous": set(),
    "inactive_staff": set(),
    "nobody": set(),
}
PERSONAS = list(EXPECTED_ORDERS)


def names(scene: Scene, qs: Any) -> set[str]:
    by_pk = {o.pk: name for name, o in scene.orders.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona(scene: Scene, persona: str) -> None:
    """For one persona: the list, each order by id and by number, and both attachments."""
    user = scene.users[persona]
    assert names(scene, visible_workorders(user)) == EXPECTED_ORDERS[persona]

    for name, order in scene.orders.items():
        keys: list[int | str] = [order.pk, str(order.pk), order.number, f"  {order.number.lower()} "]
        for key in keys:
            # built per call, and compiled once per process (kefu.lib.prepared) for a hot call site
            for compiled_as in ("", "test-site"):
                if name in EXPECTED_ORDERS[persona]:
                    got = access_workorder(user, key, compiled_as=compiled_as, related=("customer",))
                    assert got.pk == order.pk and got.customer.name == order.customer.name
                else:
                    with pytest.raises(NotFound) as exc:
                        access_workorder(user, key, compiled_as=compiled_as)
                    assert (exc.value.status, exc.value.code) == (404, "not_found")

    sees_order = "n1" in EXPECTED_ORDERS[persona]
    is_customer = persona in ("customer", "other_customer")
    for att, public in ((scene.public_att, True), (scene.private_att, False)):
        if sees_order and (public or not is_customer):
            assert access_attachment(user, att.pk).pk == att.pk
            assert access_attachment(user, str(att.pk)).pk == att.pk
        else:
            with pytest.raises(NotFound):
                access_attachment(user, att.pk)
    bad_keys: tuple[Any, ...] = ("abc", None, 10**9)  # what a caller might pass, None included
    for bad in bad_keys:
        with pytest.raises(NotFound):
            access_attachment(user, bad)


def test_unknown_keys_are_not_found(scene: Scene) -> None:
    for persona in ("admin", "agent", "customer"):
        for key in (
            999_999,
            "999999",
            "GD-20990101-000001",
            "",
            "'; DROP TABLE x",
            "-1",
            "²",
            "9" * 30,
            10**20,
        ):
            for compiled_as in ("", "test-site"):
                with pytest.raises(NotFound):
                    access_workorder(scene.users[persona], key, compiled_as=compiled_as)
            with pytest.raises(NotFound):
                access_attachment(scene.users[persona], key)


@pytest.mark.parametrize(
    ("persona", "kinds", "files"),
    [
        ("agent", {"system", "reply", "note"}, {"a.txt", "b.txt"}),
        ("admin", {"system", "reply", "note"}, {"a.txt", "b.txt"}),
        ("customer", {"reply"}, {"a.txt"}),
    ],
)
def test_timeline_and_attachment_lists(scene: Scene, persona: str, kinds: set[str], files: set[str]) -> None:
    user = scene.users[persona]
    order = access_workorder(user, scene.orders["n1"].pk)
    entries = list(visible_timeline(user, order))
    assert {e.kind for e in entries} == kinds
    bodies = [e.body for e in entries]
    if persona == "customer":
        assert all(e.public for e in entries)
        assert "内部：客户脾气急" not in bodies
    else:
        assert "内部：客户脾气急" in bodies
    assert {a.filename for a in visible_attachments(user, order)} == files


def test_customer_never_sees_notes(scene: Scene) -> None:
    user = scene.users["customer"]
    order = access_workorder(user, scene.orders["n1"].number)
    bodies = [e.body for e in visible_timeline(user, order)]
    assert bodies == ["您好，师傅明天上门"]


def test_order_owned_or_assigned_elsewhere_stays_visible(world: Any, scene: Scene) -> None:
    """Branch staff also see orders of another branch that they own or work on (orders are only
    handed to staff of their own branch, but staff move between branches)."""
    from kefu.workorders.actions import do_transfer

    s = scene.orders["s"]
    tech_s = make_staff("tech_s_moves", "technician", world.south, name="南区师傅")
    do_transfer(world.agent_south.user, s.pk, to_staff_id=tech_s.pk, reason="支援")
    tech_s.branch = world.north  # moved to the north branch while still working on the order
    tech_s.save(update_fields=["branch"])
    assert access_workorder(tech_s.user, s.number).pk == s.pk
    with pytest.raises(NotFound):
        access_workorder(world.agent.user, s.number)


def test_deactivated_user_of_a_portal_customer_sees_nothing(scene: Scene) -> None:
    user = scene.users["customer"]
    user.is_active = False
    user.save()
    assert not visible_workorders(user).exists()
    with pytest.raises(NotFound):
        access_workorder(user, scene.orders["n1"].pk)


def test_staff_whose_login_is_disabled_sees_nothing(world: Any, scene: Scene) -> None:
    user = world.agent.user
    user.is_active = False
    user.save()
    assert not visible_workorders(user).exists()

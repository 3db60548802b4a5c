"""Access rules of the customer archive for every persona; guessed ids answer NotFound."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kefu.customers.access import access_customer, visible_customers
from kefu.lib.errors import NotFound
from kefu.testing.factories import make_portal_customer, make_staff

pytestmark = pytest.mark.django_db

ALL = {"c1", "c2", "s"}
NORTH = {"c1", "c2"}
EXPECTED: dict[str, set[str]] = {
    "admin": ALL,
    "president": ALL,
    "inspector": ALL,
    "supervisor": NORTH,
    "agent": NORTH,
    "technician": NORTH,
    "followup": NORTH,
    "agent_south": {"s"},
    "customer": {"c1"},
    "other_customer": {"c2"},
    "anonymous": set(),
    "inactive_staff": set(),
    "inactive_customer_login": set(),
    "nobody": set(),
}


@pytest.fixture
def scene(world: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    customers = {
        "c1": world.customer(name="张三", phone="13800138000"),
        "c2": world.customer(name="李四", phone="13900139000"),
        "s": world.customer(name="王五", phone="13700137000", branch=world.south),
    }
    c3 = world.customer(name="赵六", phone="13600136000")
    inactive = make_staff("gone", "supervisor", None)
    inactive.is_active = False
    inactive.save()
    off = make_portal_customer(world, c3, "cust3")
    off.is_active = False
    off.save()
    users = {
        "admin": world.admin.user,
        "president": world.president.user,
        "inspector": world.inspector.user,
        "supervisor": world.supervisor.user,
        "agent": world.agent.user,
        "technician": world.technician.user,
        "followup": world.followup.user,
        "agent_south": world.agent_south.user,
        "customer": make_portal_customer(world, customers["c1"], "cust1"),
        "other_customer": make_portal_customer(world, customers["c2"], "cust2"),
        "anonymous": AnonymousUser(),
        "inactive_staff": inactive.user,
        "inactive_customer_login": off,
        "nobody": None,
    }
    return users, customers


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_visible_and_access(scene: tuple[dict[str, Any], dict[str, Any]], persona: str) -> None:
    users, customers = scene
    user = users[persona]
    visible = set(visible_customers(user).values_list("pk", flat=True))
    expected = EXPECTED[persona]
    assert {name for name, c in customers.items() if c.pk in visible} == expected
    for name, c in customers.items():
        if name in expected:
            assert access_customer(user, c.pk).pk == c.pk
            assert access_customer(user, str(c.pk)).pk == c.pk
        else:
            with pytest.raises(NotFound) as exc:
                access_customer(user, c.pk)
            assert (exc.value.status, exc.value.field) == (404, "customer")
    bad_keys: tuple[Any, ...] = (10**9, "x", None, "1 OR 1=1")  # what a caller might pass, None included
    for bad in bad_keys:
        with pytest.raises(NotFound):
            access_customer(user, bad)

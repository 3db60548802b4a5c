"""staff_of / require_staff for every kind of caller, and the number sequences."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kefu.lib.errors import PermissionDenied
from kefu.organization.access import may_see_reports, require_staff, staff_of
from kefu.organization.models import NumberSequence
from kefu.organization.sequences import next_value
from kefu.testing.factories import make_portal_customer, make_user

pytestmark = pytest.mark.django_db


def test_staff_of(world: Any) -> None:
    assert staff_of(world.agent.user) == world.agent
    assert staff_of(world.admin.user) == world.admin
    assert staff_of(None) is None
    assert staff_of(AnonymousUser()) is None
    assert staff_of(make_user("plain")) is None
    assert staff_of(make_portal_customer(world, world.customer())) is None


def test_inactive_staff_or_login(world: Any) -> None:
    world.agent.is_active = False
    world.agent.save()
    assert staff_of(world.agent.user) is None
    user = world.technician.user
    user.is_active = False
    user.save()
    assert staff_of(user) is None


def test_require_staff(world: Any) -> None:
    assert require_staff(world.supervisor.user, "customer.tier_override") == world.supervisor
    with pytest.raises(PermissionDenied) as exc:
        require_staff(world.agent.user, "customer.tier_override")
    assert (exc.value.code, exc.value.status) == ("forbidden", 403)
    assert str(world.agent.get_role_display()) in str(exc.value.message)
    with pytest.raises(PermissionDenied) as exc:
        require_staff(AnonymousUser())
    assert exc.value.code == "not_staff"


def test_may_see_reports(world: Any) -> None:
    """The one rule behind /reports/ and /quality/ (and their menu entries): supervisors, inspectors and
    administrators, while active; nobody else."""
    for staff in (world.supervisor, world.inspector, world.admin, world.president):
        assert may_see_reports(staff), staff.role
    for staff in (world.agent, world.technician, world.followup, world.agent_south):
        assert not may_see_reports(staff), staff.role
    assert not may_see_reports(None)
    world.supervisor.is_active = False
    assert not may_see_reports(world.supervisor)


def test_sees_all_branches(world: Any) -> None:
    assert (
        world.admin.sees_all_branches
        and world.president.sees_all_branches
        and world.inspector.sees_all_branches
    )
    assert not world.supervisor.sees_all_branches and not world.agent_south.sees_all_branches


def test_next_value_counts_per_key() -> None:
    assert [next_value("a") for _ in range(3)] == [1, 2, 3]
    assert next_value("b") == 1
    assert next_value("a") == 4
    assert dict(NumberSequence.objects.values_list("key", "value")) == {"a": 4, "b": 1}

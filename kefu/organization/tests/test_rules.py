"""Pure organisation rules: capabilities per role and R-10 seniority among co-receivers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.organization.rules import Receiver, Role, can, most_senior


def more_senior(a: Receiver, b: Receiver) -> bool:
    """Written independently of the implementation: grade, then hire date, then id."""
    if a.grade != b.grade:
        return a.grade > b.grade
    if a.hired_on != b.hired_on:
        return a.hired_on < b.hired_on
    return a.staff_id < b.staff_id


def test_single_receiver() -> None:
    assert most_senior([Receiver(7, 1, dt.date(2020, 1, 1))]) == 7


def test_grade_wins_over_hire_date() -> None:
    r = [Receiver(1, 2, dt.date(2010, 1, 1)), Receiver(2, 3, dt.date(2024, 1, 1))]
    assert most_senior(r) == 2


def test_earlier_hire_date_on_equal_grade() -> None:
    r = [Receiver(1, 3, dt.date(2022, 1, 1)), Receiver(2, 3, dt.date(2019, 5, 1))]
    assert most_senior(r) == 2


def test_lower_id_on_full_tie() -> None:
    r = [Receiver(9, 3, dt.date(2019, 5, 1)), Receiver(4, 3, dt.date(2019, 5, 1))]
    assert most_senior(r) == 4


def test_empty_list_raises() -> None:
    with pytest.raises(ValueError, match="receiver"):
        most_senior([])


receivers = st.lists(
    st.builds(
        Receiver,
        staff_id=st.integers(min_value=1, max_value=10_000),
        grade=st.integers(min_value=0, max_value=12),
        hired_on=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2026, 12, 31)),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: r.staff_id,
)


@given(receivers)
def test_most_senior_properties(rs: list[Receiver]) -> None:
    winner_id = most_senior(rs)
    winner = next(r for r in rs if r.staff_id == winner_id)  # the result is in the list
    assert not any(more_senior(r, winner) for r in rs if r is not winner)
    # order of the list does not matter
    assert most_senior(list(reversed(rs))) == winner_id


ALL_CAPS = {
    "customer.create",
    "customer.edit",
    "customer.tier_override",
    "order.create",
    "order.work",
    "order.reply",
    "order.note",
    "order.transfer",
    "order.escalate",
    "order.link",
    "order.merge",
    "order.handle_escalation",
    "order.reopen",
    "admin",
}

EXPECTED_CAPS = {
    Role.AGENT: ALL_CAPS - {"customer.tier_override", "order.handle_escalation", "order.reopen", "admin"},
    Role.TECHNICIAN: {
        "order.create",
        "order.work",
        "order.reply",
        "order.note",
        "order.transfer",
        "order.escalate",
    },
    Role.FOLLOWUP: {"order.note", "order.reply", "order.escalate", "order.reopen"},
    Role.SUPERVISOR: ALL_CAPS - {"admin"},
    Role.INSPECTOR: {"order.note"},
    Role.ADMIN: ALL_CAPS,
    # the company's call centre: registers and works on orders, neither links nor merges them
    Role.HOTLINE: ALL_CAPS
    - {
        "customer.tier_override",
        "order.handle_escalation",
        "order.reopen",
        "order.link",
        "order.merge",
        "admin",
    },
}


@pytest.mark.parametrize("role", list(Role))
def test_capabilities(role: Role) -> None:
    assert {c for c in ALL_CAPS if can(role, c)} == EXPECTED_CAPS[role]
    assert can(role.value, "order.note") == ("order.note" in EXPECTED_CAPS[role])


def test_unknown_role_or_capability() -> None:
    assert can("president", "order.work") is False
    assert can(Role.ADMIN, "launch.rockets") is False


def test_only_hotline_agents_and_administrators_hold_the_hotline_capability() -> None:
    assert {r for r in Role if can(r, "hotline.agent")} == {Role.HOTLINE, Role.ADMIN}

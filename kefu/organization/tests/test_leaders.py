"""organization.rules.leader_of: who receives an escalation (pure, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.organization.rules import Boss, leader_of

BRANCH, OTHER = 1, 2


def test_own_active_leader_first() -> None:
    bosses = [Boss(10, "supervisor", BRANCH, 9), Boss(11, "admin", None, 9)]
    assert leader_of(5, 7, BRANCH, bosses) == 7


def test_leader_who_is_the_staff_member_themselves_does_not_count() -> None:
    bosses = [Boss(10, "supervisor", BRANCH, 3)]
    assert leader_of(5, 5, BRANCH, bosses) == 10


def test_no_leader_goes_to_the_most_senior_of_the_branch() -> None:
    bosses = [
        Boss(10, "supervisor", BRANCH, 3),
        Boss(12, "admin", BRANCH, 5),
        Boss(11, "supervisor", BRANCH, 5),  # same grade as 12, lower id
        Boss(13, "supervisor", OTHER, 8),
        Boss(14, "admin", None, 9),
    ]
    assert leader_of(5, None, BRANCH, bosses) == 11


def test_then_the_company_level_never_another_branch() -> None:
    bosses = [Boss(13, "supervisor", OTHER, 8), Boss(14, "supervisor", None, 2), Boss(15, "admin", None, 4)]
    assert leader_of(5, None, BRANCH, bosses) == 15
    assert leader_of(5, None, BRANCH, [Boss(13, "supervisor", OTHER, 8)]) is None


def test_never_the_raiser_themselves() -> None:
    bosses = [Boss(10, "supervisor", BRANCH, 9), Boss(14, "admin", None, 9)]
    assert leader_of(10, None, BRANCH, bosses) == 14
    assert leader_of(14, None, None, [Boss(14, "admin", None, 9)]) is None


def test_other_roles_never_receive() -> None:
    bosses = [Boss(10, "agent", BRANCH, 9), Boss(11, "inspector", None, 9), Boss(12, "supervisor", None, 1)]
    assert leader_of(5, None, BRANCH, bosses) == 12


def test_to_president_goes_to_the_top_of_the_company_before_the_leader() -> None:
    bosses = [Boss(10, "supervisor", BRANCH, 9), Boss(14, "admin", None, 4), Boss(15, "supervisor", None, 6)]
    assert leader_of(5, 7, BRANCH, bosses, to_president=True) == 15
    # the top may be the raiser (as before the rule was shared)
    assert leader_of(15, 7, BRANCH, bosses, to_president=True) == 15
    # nobody at the company level: the usual order
    assert leader_of(5, 7, BRANCH, [Boss(10, "supervisor", BRANCH, 9)], to_president=True) == 7


def expected(
    staff: int, lead: int | None, branch: int | None, bosses: list[Boss], president: bool
) -> int | None:
    """Written independently: filter, then sort by seniority at each step."""
    ok = [b for b in bosses if b.role in ("supervisor", "admin")]

    def best(cands: list[Boss]) -> int | None:
        if not cands:
            return None
        top_grade = max(b.grade for b in cands)
        return min(b.staff_id for b in cands if b.grade == top_grade)

    if president:
        top = best([b for b in ok if b.branch_id is None])
        if top is not None:
            return top
    if lead is not None and lead != staff:
        return lead
    if branch is not None:
        local = best([b for b in ok if b.branch_id == branch and b.staff_id != staff])
        if local is not None:
            return local
    return best([b for b in ok if b.branch_id is None and b.staff_id != staff])


boss = st.builds(
    Boss,
    st.integers(1, 30),
    st.sampled_from(["agent", "supervisor", "admin", "inspector"]),
    st.sampled_from([None, BRANCH, OTHER]),
    st.integers(1, 5),
)


@given(
    st.integers(1, 30),
    st.one_of(st.none(), st.integers(1, 30)),
    st.sampled_from([None, BRANCH, OTHER]),
    st.lists(boss, max_size=12, unique_by=lambda b: b.staff_id),
    st.booleans(),
)
def test_matches_an_independent_statement(
    staff: int, lead: int | None, branch: int | None, bosses: list[Boss], president: bool
) -> None:
    assert leader_of(staff, lead, branch, bosses, to_president=president) == expected(
        staff, lead, branch, bosses, president
    )

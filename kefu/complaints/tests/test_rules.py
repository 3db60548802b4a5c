"""Pure rules of complaints: compensation limits, amounts, the close guard, the handling steps."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kefu.complaints.rules import (
    HANDLING_STEPS,
    LimitRow,
    applicable_limit,
    needs_approval,
    needs_cause,
    parse_amount,
)

ROWS = [
    LimitRow(None, "", Decimal("100")),  # company default
    LimitRow(None, "supervisor", Decimal("1000")),  # every branch, supervisors
    LimitRow(1, "", Decimal("200")),  # branch 1, everybody
    LimitRow(1, "agent", Decimal("50")),  # branch 1, agents
]


def test_most_specific_limit_wins() -> None:
    assert applicable_limit(ROWS, 1, "agent") == Decimal("50")  # branch and role
    assert applicable_limit(ROWS, 1, "technician") == Decimal("200")  # branch only
    assert applicable_limit(ROWS, 1, "supervisor") == Decimal("200")  # branch beats role
    assert applicable_limit(ROWS, 2, "supervisor") == Decimal("1000")  # role only
    assert applicable_limit(ROWS, 2, "agent") == Decimal("100")  # default
    assert applicable_limit(ROWS, None, "agent") == Decimal("100")


def test_no_applicable_row_means_no_limit_and_approval_always() -> None:
    rows = [LimitRow(1, "agent", Decimal("50"))]
    assert applicable_limit(rows, 2, "agent") is None
    assert applicable_limit([], 1, "agent") is None
    assert needs_approval(Decimal("0.01"), None)


def test_within_the_limit_no_approval_above_it_approval() -> None:
    assert not needs_approval(Decimal("50.00"), Decimal("50"))
    assert needs_approval(Decimal("50.01"), Decimal("50"))
    assert needs_approval(Decimal("1"), Decimal("0"))  # a zero limit: everything is approved by a supervisor


@given(
    st.lists(
        st.builds(
            LimitRow,
            st.sampled_from([None, 1, 2]),
            st.sampled_from(["", "agent"]),
            st.decimals(min_value=0, max_value=10000, places=2),
        )
    ),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["agent", "supervisor"]),
)
def test_the_limit_comes_from_a_row_that_applies(rows: list[LimitRow], branch: int, role: str) -> None:
    limit = applicable_limit(rows, branch, role)
    applying = [r for r in rows if r.branch_id in (None, branch) and r.role in ("", role)]
    if not applying:
        assert limit is None
    else:
        assert limit in [r.amount for r in applying]
        most = max((r.branch_id is not None) * 2 + bool(r.role) for r in applying)
        assert limit == min(
            r.amount for r in applying if (r.branch_id is not None) * 2 + bool(r.role) == most
        )


def test_amounts() -> None:
    assert parse_amount("200") == Decimal("200.00")
    assert parse_amount(" 1,200.5 ") == Decimal("1200.50")
    assert parse_amount(Decimal("0.01")) == Decimal("0.01")
    for bad in ("", "abc", "0", "-5", "1.001", "NaN", "Infinity", "1000000.01", None):
        assert parse_amount(bad) is None, bad


def test_only_closing_an_unclassified_complaint_needs_the_cause() -> None:
    assert needs_cause("complaint", "close", classified=False)
    assert not needs_cause("complaint", "close", classified=True)
    assert not needs_cause("complaint", "withdraw", classified=False)  # withdrawn by the customer
    assert not needs_cause("complaint", "resolve", classified=False)
    assert not needs_cause("fault_general", "close", classified=False)


def test_the_seven_handling_steps_in_order() -> None:
    assert HANDLING_STEPS == ("stay_calm", "listen", "record", "thank", "propose", "carry_out", "summarise")


def test_every_action_code_of_complaints_has_a_label() -> None:
    """Also the codes chosen at run time (steps, decisions), which the project-wide literal scan misses."""
    import re
    from pathlib import Path

    from kefu.audit.labels import LABELS

    source = (Path(__file__).resolve().parents[1] / "actions.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'"((?:complaint|compensation|customer_type)\.[a-z_]+)"', source)) - {
        "complaint.approve_compensation"  # a capability, not a log code
    }
    assert codes == {
        "complaint.classify",
        "complaint.step_done",
        "complaint.step_undone",
        "compensation.record",
        "compensation.approve",
        "compensation.reject",
        "customer_type.chosen",
    }
    assert not codes - set(LABELS)

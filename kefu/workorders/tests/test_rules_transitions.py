"""Pure rules of work orders: the full 7×7 transition table, required inputs, transfers, priority.

The expected table is written out here by hand (from docs/design/work-orders.md), not derived
from ``rules.TRANSITIONS``, so that a change to the table makes these tests fail.
"""

from __future__ import annotations

import itertools

import pytest

from kefu.workorders import rules
from kefu.workorders.rules import CloseReason, Status, TransferCheck, TransitionContext

N, AM, IP, PC, RS, CL, RO = (
    Status.NEW,
    Status.AWAITING_MATERIALS,
    Status.IN_PROGRESS,
    Status.PENDING_CUSTOMER,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REOPENED,
)

# (from, to) -> action. Everything else is forbidden.
EXPECTED: dict[tuple[Status, Status], str] = {
    (N, IP): "start",
    (N, AM): "request_materials",
    (N, PC): "wait_for_customer",
    (N, RS): "resolve",
    (N, CL): "withdraw",
    (AM, IP): "materials_complete",
    (AM, CL): "withdraw",
    (IP, AM): "request_materials",
    (IP, PC): "wait_for_customer",
    (IP, RS): "resolve",
    (IP, CL): "withdraw",
    (PC, IP): "resume",
    (PC, RS): "resolve",
    (PC, CL): "withdraw",
    (RS, CL): "close",
    (RS, RO): "reopen",
    (CL, RO): "reopen",
    (RO, IP): "start",
    (RO, AM): "request_materials",
    (RO, PC): "wait_for_customer",
    (RO, RS): "resolve",
}

ALL_PAIRS = list(itertools.product(list(Status), repeat=2))


def valid_context(action: str) -> TransitionContext:
    """The minimal context that satisfies the rule for ``action``."""
    return TransitionContext(
        has_owner=True,
        has_handler=True,
        reason="客户要求" if action in {"withdraw", "reopen", "wait_for_customer"} else "",
        resolution="已更换光猫" if action == "resolve" else "",
        close_reason=CloseReason.WITHDRAWN if action == "withdraw" else None,
    )


def codes(errors: list[rules.RuleError]) -> list[str]:
    return [e.code for e in errors]


def test_seven_statuses() -> None:
    assert {s.value for s in Status} == {
        "new",
        "awaiting_materials",
        "in_progress",
        "pending_customer",
        "resolved",
        "closed",
        "reopened",
    }
    assert len(ALL_PAIRS) == 49


@pytest.mark.parametrize(("frm", "to"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_pair(frm: Status, to: Status) -> None:
    action = EXPECTED.get((frm, to))
    if action is None:
        # forbidden whatever the context says
        for ctx in (valid_context("withdraw"), valid_context("resolve"), valid_context("start")):
            assert codes(rules.check_transition(frm, to, ctx)) == ["transition_forbidden"]
        assert rules.action_name(frm, to) is None
        assert to not in rules.allowed_targets(frm)
    else:
        assert rules.action_name(frm, to) == action
        assert rules.check_transition(frm, to, valid_context(action)) == []
        assert to in rules.allowed_targets(frm)


def test_no_self_transitions_and_closed_only_reopens() -> None:
    for s in Status:
        assert rules.check_transition(s, s, valid_context("start"))[0].code == "transition_forbidden"
    assert rules.allowed_targets(CL) == [RO]
    assert rules.allowed_targets(RS) == [CL, RO]


def test_forbidden_error_names_status_field() -> None:
    err = rules.check_transition(CL, IP, valid_context("start"))
    assert err == [rules.RuleError("transition_forbidden", "status")]


@pytest.mark.parametrize(
    ("frm", "to"),
    [pair for pair, action in EXPECTED.items() if action in {"withdraw", "reopen", "wait_for_customer"}],
)
@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_reason_required(frm: Status, to: Status, reason: str) -> None:
    action = EXPECTED[(frm, to)]
    ctx = TransitionContext(
        has_owner=True,
        has_handler=True,
        reason=reason,
        close_reason=CloseReason.INVALID if action == "withdraw" else None,
    )
    assert codes(rules.check_transition(frm, to, ctx)) == ["reason_required"]
    assert rules.check_transition(frm, to, ctx)[0].field == "reason"


@pytest.mark.parametrize("frm", [N, IP, PC, RO])
def test_resolution_required(frm: Status) -> None:
    ctx = TransitionContext(has_owner=True, has_handler=True, resolution="  ")
    assert rules.check_transition(frm, RS, ctx) == [rules.RuleError("resolution_required", "resolution")]


@pytest.mark.parametrize(("frm", "to"), list(EXPECTED))
def test_no_owner_refused_for_every_allowed_edge(frm: Status, to: Status) -> None:
    action = EXPECTED[(frm, to)]
    good = valid_context(action)
    ctx = TransitionContext(
        has_owner=False,
        has_handler=False,
        reason=good.reason,
        resolution=good.resolution,
        close_reason=good.close_reason,
    )
    assert codes(rules.check_transition(frm, to, ctx)) == ["no_owner"]


def test_reason_and_no_owner_reported_together() -> None:
    ctx = TransitionContext(has_owner=False, has_handler=False)
    assert codes(rules.check_transition(RS, RO, ctx)) == ["no_owner", "reason_required"]


@pytest.mark.parametrize("frm", [N, AM, IP, PC])
@pytest.mark.parametrize(
    ("close_reason", "merged", "expected"),
    [
        (None, False, ["close_reason_required"]),
        (CloseReason.SOLVED, False, ["close_reason_required"]),
        (CloseReason.WITHDRAWN, False, []),
        (CloseReason.INVALID, False, []),
        (CloseReason.DUPLICATE, False, ["merge_required"]),
        (CloseReason.DUPLICATE, True, []),
    ],
)
def test_withdraw_close_reasons(
    frm: Status, close_reason: CloseReason | None, merged: bool, expected: list[str]
) -> None:
    ctx = TransitionContext(
        has_owner=True, has_handler=True, reason="客户撤回", close_reason=close_reason, merged=merged
    )
    assert codes(rules.check_transition(frm, CL, ctx)) == expected


@pytest.mark.parametrize(
    ("close_reason", "expected"),
    [
        (None, []),
        (CloseReason.SOLVED, []),
        (CloseReason.WITHDRAWN, ["close_reason_invalid"]),
        (CloseReason.INVALID, ["close_reason_invalid"]),
        (CloseReason.DUPLICATE, ["close_reason_invalid"]),
    ],
)
def test_close_after_resolution_is_solved(close_reason: CloseReason | None, expected: list[str]) -> None:
    ctx = TransitionContext(has_owner=True, has_handler=True, close_reason=close_reason)
    assert codes(rules.check_transition(RS, CL, ctx)) == expected


def test_is_open() -> None:
    assert [s.value for s in Status if rules.is_open(s)] == [
        "new",
        "awaiting_materials",
        "in_progress",
        "pending_customer",
        "reopened",
    ]
    assert rules.is_open("reopened") is True
    assert rules.is_open("resolved") is False
    # the owner keeps answering for a resolved order, not for a closed one
    assert Status.RESOLVED in rules.UNCLOSED_STATUSES
    assert Status.CLOSED not in rules.UNCLOSED_STATUSES


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            TransferCheck(to_staff=False, to_department=False, reason="转维修", same_as_current=False),
            ["no_receiver"],
        ),
        (TransferCheck(to_staff=True, to_department=False, reason="转维修", same_as_current=False), []),
        (TransferCheck(to_staff=False, to_department=True, reason="转维修", same_as_current=False), []),
        (TransferCheck(to_staff=True, to_department=True, reason="转维修", same_as_current=False), []),
        (
            TransferCheck(to_staff=True, to_department=False, reason=" ", same_as_current=False),
            ["reason_required"],
        ),
        (
            TransferCheck(to_staff=False, to_department=False, reason="", same_as_current=False),
            ["no_receiver", "reason_required"],
        ),
        (
            TransferCheck(to_staff=True, to_department=False, reason="转", same_as_current=True),
            ["same_assignee"],
        ),
        (TransferCheck(to_staff=True, to_department=True, reason="转", same_as_current=True), []),
    ],
)
def test_check_transfer(check: TransferCheck, expected: list[str]) -> None:
    assert codes(rules.check_transfer(check)) == expected


def test_no_receiver_names_field() -> None:
    errs = rules.check_transfer(TransferCheck(False, False, "x", False))
    assert errs == [rules.RuleError("no_receiver", "to_staff")]


@pytest.mark.parametrize(
    ("order_type", "vip", "expected"),
    [
        (rules.OrderType.INQUIRY, False, "normal"),
        (rules.OrderType.INQUIRY, True, "high"),
        (rules.OrderType.FAULT_GENERAL, False, "normal"),
        (rules.OrderType.FAULT_MAJOR, False, "high"),
        (rules.OrderType.FAULT_MAJOR, True, "urgent"),
        (rules.OrderType.COMPLAINT, False, "high"),
        (rules.OrderType.COMPLAINT, True, "urgent"),
        (rules.OrderType.PRAISE, True, "high"),
    ],
)
def test_default_priority(order_type: rules.OrderType, vip: bool, expected: str) -> None:
    assert rules.default_priority(order_type, vip) == expected


@pytest.mark.parametrize("frm", [RS, CL])
def test_merged_duplicate_cannot_be_reopened(frm: Status) -> None:
    ctx = TransitionContext(has_owner=True, has_handler=True, reason="客户再次来电", merged=True)
    assert rules.check_transition(frm, RO, ctx) == [rules.RuleError("merged_order", "status")]


def test_merged_order_is_not_offered_reopen() -> None:
    assert rules.allowed_targets(CL, merged=True) == []
    assert rules.allowed_targets(RS, merged=True) == [CL]
    assert rules.allowed_targets(CL, merged=False) == [RO]


@pytest.mark.parametrize("merged", [False, True])
@pytest.mark.parametrize(("frm", "to"), list(EXPECTED), ids=[f"{a.value}->{b.value}" for a, b in EXPECTED])
def test_offered_exactly_when_accepted(frm: Status, to: Status, merged: bool) -> None:
    """What allowed_targets offers is what check_transition accepts with valid inputs, merged or not."""
    action = EXPECTED[(frm, to)]
    ctx = valid_context(action)
    ctx = TransitionContext(
        has_owner=ctx.has_owner,
        has_handler=ctx.has_handler,
        reason=ctx.reason,
        resolution=ctx.resolution,
        close_reason=ctx.close_reason,
        merged=merged,
    )
    accepted = rules.check_transition(frm, to, ctx) == []
    assert (to in rules.allowed_targets(frm, merged=merged)) == accepted
    assert accepted == (not (merged and action == "reopen"))

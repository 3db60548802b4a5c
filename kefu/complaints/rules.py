"""Pure rules of complaint handling (R-26): the handling steps, the close guard, compensation limits.

No Django, no I/O. Amounts are ``Decimal`` yuan (CNY).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COMPLAINT = "complaint"  # WorkOrder.order_type of a complaint (commitments.models.OrderTypeChoices)

# R-26 handling steps, in the order they are done
HANDLING_STEPS = ("stay_calm", "listen", "record", "thank", "propose", "carry_out", "summarise")

# transitions that need the cause first: closing a resolved complaint. A complaint withdrawn by the
# customer (new/in progress → closed, "withdraw") or merged as a duplicate has no cause to analyse.
GUARDED_ACTIONS = frozenset({"close"})

MAX_COMPENSATION = Decimal("1000000.00")


def needs_cause(order_type: str, action: str, classified: bool) -> bool:
    """True when this status change must be refused until the complaint's cause is recorded."""
    return order_type == COMPLAINT and action in GUARDED_ACTIONS and not classified


@dataclass(frozen=True)
class LimitRow:
    """One configured limit: for a branch (None = every branch) and a role ("" = every role)."""

    branch_id: int | None
    role: str
    amount: Decimal


def applicable_limit(rows: list[LimitRow], branch_id: int | None, role: str) -> Decimal | None:
    """The limit up to which ``role`` in ``branch_id`` may grant compensation without approval.

    The most specific matching row wins: branch and role, then branch only, then role only, then the
    company-wide default (neither). Rows naming another branch or role do not apply. None when no row
    applies: then every compensation needs approval.
    """
    best: tuple[int, LimitRow] | None = None
    for r in rows:
        if r.branch_id is not None and r.branch_id != branch_id:
            continue
        if r.role and r.role != role:
            continue
        rank = (2 if r.branch_id is not None else 0) + (1 if r.role else 0)
        # on equal rank (two rows for the same scope) the lower amount is the safe reading
        if best is None or rank > best[0] or (rank == best[0] and r.amount < best[1].amount):
            best = (rank, r)
    return best[1].amount if best else None


def needs_approval(amount: Decimal, limit: Decimal | None) -> bool:
    """Above the limit (or with no limit configured) a supervisor must approve."""
    return limit is None or amount > limit


def parse_amount(value: object) -> Decimal | None:
    """A positive amount of yuan with at most two decimals, at most ``MAX_COMPENSATION``; else None."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_COMPENSATION:
        return None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return amount.quantize(Decimal("0.01"))

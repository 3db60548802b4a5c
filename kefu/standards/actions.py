"""Writers of the service standards. Called inside the transaction of the change they belong to."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.audit import log as audit
from kefu.standards.models import StandardsViolation
from kefu.workorders.hooks import ReplyEvent, RuleViolationEvent

EXCERPT_AROUND = 40


def excerpt(text: str, payload: list[dict[str, Any]]) -> str:
    """The text around the matches (all of it when short), with … where it was cut."""
    if len(text) <= 2 * EXCERPT_AROUND + 40 or not payload:
        return text
    parts = []
    for p in payload:
        a, b = max(0, p["start"] - EXCERPT_AROUND), min(len(text), p["end"] + EXCERPT_AROUND)
        parts.append(("…" if a > 0 else "") + text[a:b] + ("…" if b < len(text) else ""))
    return " ".join(parts)


def record_violation(event: ReplyEvent, payload: list[dict[str, Any]]) -> StandardsViolation:
    """A reply with forbidden phrases goes out because the agent gave a reason: keep it (R-24, R-27).
    Runs inside ``do_reply``'s transaction, so it is stored exactly when the reply is."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_violation must run inside the reply's transaction")
    o = event.order
    v = StandardsViolation.objects.create(
        workorder=o,
        branch_id=o.branch_id,
        staff=event.staff,
        at=event.at,
        source=event.source,
        channel=event.channel,
        phrases=payload,
        excerpt=excerpt(event.text, payload),
        reason=event.override_reason,
    )
    audit.record(
        event.user,
        "standards.violation",
        v,
        customer_id=o.customer_id,
        workorder_id=o.pk,
        after={"phrases": [p["phrase"] for p in payload], "reason": v.reason, "source": v.source},
        summary=", ".join(p["matched"] for p in payload)[:200],
    )
    return v


def record_rule_violation(event: RuleViolationEvent) -> StandardsViolation:
    """A service rule broken knowingly, with a reason and approval (e.g. R-11, asking for materials the
    one-time notice did not list): kept as a standards violation of the staff member who broke it, so that
    the supervision shows it and turns it into an accountability record."""
    o = event.order
    v = StandardsViolation.objects.create(
        workorder=o,
        branch_id=o.branch_id,
        staff=event.staff,
        at=event.at,
        source=event.source[:20],
        channel=o.channel,
        phrases=[{"phrase": event.rule, "matched": event.summary[:200], "rule": event.rule}],
        excerpt=event.summary,
        reason=event.reason,
    )
    audit.record(
        event.user,
        "standards.violation",
        v,
        customer_id=o.customer_id,
        workorder_id=o.pk,
        after={"rule": event.rule, "summary": event.summary, "reason": v.reason, "source": v.source},
        summary=f"{event.rule}: {event.summary}"[:200],
    )
    return v

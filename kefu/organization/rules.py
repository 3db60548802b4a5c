"""Pure rules about staff and organisation (no Django, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # 客服
    TECHNICIAN = "technician"  # 维护
    FOLLOWUP = "followup"  # 回访
    SUPERVISOR = "supervisor"  # 分公司经理 / 班长
    INSPECTOR = "inspector"  # 督查
    ADMIN = "admin"


# What each role may do. Access to rows is decided separately (branch scope, see access.py).
CAPABILITIES: dict[Role, frozenset[str]] = {
    Role.AGENT: frozenset(
        {
            "maintenance.announce",
            "customer.create",
            "customer.edit",
            "order.create",
            "order.work",
            "order.reply",
            "order.note",
            "order.transfer",
            "order.escalate",
            "order.link",
            "order.merge",
        }
    ),
    Role.TECHNICIAN: frozenset(
        {
            "order.create",
            "order.work",
            "order.reply",
            "order.note",
            "order.transfer",
            "order.escalate",
            "maintenance.announce",
        }
    ),
    Role.FOLLOWUP: frozenset(
        {"order.note", "order.reply", "order.escalate", "order.reopen", "followup.record"}
    ),
    Role.SUPERVISOR: frozenset(
        {
            "maintenance.announce",
            "maintenance.override",
            "standards.review",
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
            "complaint.approve_compensation",
            "order.reopen",
            "followup.record",
            "inspection.create",
            "training.overview",
            "accountability.view",
            "accountability.record",
            "accountability.decide",
            "supervision.notice",
            "area.assign",
            "knowledge.edit",
            "staffing.view",
            "reports.view",
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            "order.note",
            "reports.view",
            "standards.review",
            "inspection.create",
            "training.overview",
            "accountability.view",
            "accountability.record",
            "supervision.notice",
        }
    ),
    Role.ADMIN: frozenset(
        {
            "maintenance.announce",
            "maintenance.override",
            "standards.review",
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
            "complaint.approve_compensation",
            "order.reopen",
            "followup.record",
            "inspection.create",
            "training.overview",
            "accountability.view",
            "accountability.record",
            "accountability.decide",
            "supervision.notice",
            "area.assign",
            "knowledge.edit",
            "staffing.view",
            "reports.view",
            "admin",
        }
    ),
}


def can(role: Role | str, capability: str) -> bool:
    """True when the role carries the capability."""
    try:
        return capability in CAPABILITIES[Role(role)]
    except ValueError:
        return False


@dataclass(frozen=True)
class Receiver:
    """A staff member who received a request, as far as seniority is concerned."""

    staff_id: int
    grade: int  # higher is more senior (job grade / 职级)
    hired_on: dt.date


def most_senior(receivers: list[Receiver]) -> int:
    """R-10: when several staff receive a request together, the most senior is responsible.

    Seniority is the higher grade; on equal grade the earlier hire date; on equal date the lower id
    (a stable, documented tie-break). Raises ValueError for an empty list: a request must always
    have a responsible person.
    """
    if not receivers:
        raise ValueError("at least one receiver is required")
    best = min(receivers, key=lambda r: (-r.grade, r.hired_on, r.staff_id))
    return best.staff_id

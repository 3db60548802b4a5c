"""Pure rules about staff and organisation (no Django, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # 客服
    TECHNICIAN = "technician"  # 维护
    FOLLOWUP = "followup"  # 回访
    SUPERVISOR = "supervisor"  # 分公司经理 / 班长
    INSPECTOR = "inspector"  # 督查
    ADMIN = "admin"
    HOTLINE = "hotline"  # 热线坐席: the company's call centre (one hotline for every branch)


# The hotline agent's capability (docs/hotline.md): search customers of every branch, take them "on the
# line" (a call routed to the agent, or a customer opened from the hotline search) and register orders for
# them; the order belongs to the customer's branch, the agent stays its first-contact owner.
HOTLINE_AGENT = "hotline.agent"

# What each role may do. Access to rows is decided separately (branch scope, see access.py).
# Personal data (docs/privacy.md, "Masking"): ``personal.reveal`` shows one masked field of one customer on
# an order or customer page, with a recorded reason; ``personal.unmasked`` shows everything in full
# everywhere (lists, exports, API); ``personal.export`` exports lists holding personal data;
# ``privacy.access_records`` reads the access records and the unusual-access report.
CAPABILITIES: dict[Role, frozenset[str]] = {
    Role.AGENT: frozenset(
        {
            "personal.reveal",
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
            "personal.reveal",
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
        {"personal.reveal", "order.note", "order.reply", "order.escalate", "order.reopen", "followup.record"}
    ),
    Role.SUPERVISOR: frozenset(
        {
            "personal.reveal",
            "personal.export",
            "privacy.access_records",
            "maintenance.announce",
            "maintenance.override",
            "campaign.manage",
            "standards.review",
            "customer.create",
            "customer.edit",
            "customer.tier_override",
            "customer.merge",
            "order.rehome",
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
            "config.branch",  # calendars, areas and outlets of their own branch (console → Configuration)
            "knowledge.edit",
            "staffing.view",
            "reports.view",
            "privacy.erase",
            "queue.share",
            "catalogue.view",
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            "privacy.access_records",
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
    Role.HOTLINE: frozenset(
        {
            HOTLINE_AGENT,
            "personal.reveal",
            "customer.create",
            "customer.edit",
            "order.create",
            "order.work",
            "order.reply",
            "order.note",
            "order.transfer",
            "order.escalate",
        }
    ),
    Role.ADMIN: frozenset(
        {
            HOTLINE_AGENT,
            "personal.reveal",
            "personal.unmasked",
            "personal.export",
            "privacy.access_records",
            "maintenance.announce",
            "maintenance.override",
            "campaign.manage",
            "standards.review",
            "customer.create",
            "customer.edit",
            "customer.tier_override",
            "customer.merge",
            "order.rehome",
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
            "config.branch",
            "knowledge.edit",
            "staffing.view",
            "reports.view",
            "privacy.erase",
            "queue.share",
            "catalogue.view",
            "catalogue.edit",
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


# Who may receive an escalation or answer for someone else's breach: active staff with one of these roles.
LEADER_ROLES = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


@dataclass(frozen=True)
class Boss:
    """An active staff member who may receive escalations, as far as :func:`leader_of` is concerned."""

    staff_id: int
    role: str
    branch_id: int | None  # None: the company level
    grade: int  # higher is more senior


def leader_of(
    staff_id: int,
    active_leader_id: int | None,
    branch_id: int | None,
    bosses: Iterable[Boss],
    *,
    to_president: bool = False,
) -> int | None:
    """Who receives an escalation raised by (or a breach of) staff member ``staff_id`` on an order of
    ``branch_id`` (R-12, R-16, R-27):

    1. with ``to_president``, the most senior company-level supervisor/administrator (even the raiser);
    2. else the staff member's own leader, if active (``active_leader_id``: None when there is none or
       they are inactive) and not the staff member themselves;
    3. else the most senior supervisor/administrator of ``branch_id``, never the staff member themselves;
    4. else the most senior company-level one, never the staff member themselves;
    5. else nobody (None).

    Most senior: the higher grade, then the lower id. ``bosses`` may hold anyone; only the roles in
    :data:`LEADER_ROLES` count, and the caller passes active staff only.
    """
    ranked = sorted((b for b in bosses if b.role in LEADER_ROLES), key=lambda b: (-b.grade, b.staff_id))
    if to_president:
        top = next((b for b in ranked if b.branch_id is None), None)
        if top is not None:
            return top.staff_id
    if active_leader_id is not None and active_leader_id != staff_id:
        return active_leader_id
    if branch_id is not None:
        local = next((b for b in ranked if b.branch_id == branch_id and b.staff_id != staff_id), None)
        if local is not None:
            return local.staff_id
    company = next((b for b in ranked if b.branch_id is None and b.staff_id != staff_id), None)
    return company.staff_id if company is not None else None

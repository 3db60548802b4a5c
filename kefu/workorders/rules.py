"""Pure rules of work orders: types, states and the transition table (R-9..R-12).

No Django imports. ``actions.py`` asks :func:`check_transition` before changing a state; the table
below is the single source of truth and is documented in docs/design/work-orders.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class OrderType(StrEnum):
    INQUIRY = "inquiry"  # 咨询
    FAULT_GENERAL = "fault_general"  # 一般故障
    FAULT_MAJOR = "fault_major"  # 重大故障
    INSTALL_URBAN = "install_urban"  # 安装开通 城区
    INSTALL_RURAL = "install_rural"  # 安装开通 农村
    RESTORATION = "restoration"  # 业务恢复
    COMPLAINT = "complaint"  # 投诉
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬


class Status(StrEnum):
    NEW = "new"
    AWAITING_MATERIALS = "awaiting_materials"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.AWAITING_MATERIALS, Status.IN_PROGRESS, Status.PENDING_CUSTOMER, Status.REOPENED}
)
# States in which the owner still answers for the order ("my responsibilities" until closed).
UNCLOSED_STATUSES = OPEN_STATUSES | {Status.RESOLVED}


class CloseReason(StrEnum):
    SOLVED = "solved"  # normal close after resolution
    WITHDRAWN = "withdrawn"  # the customer withdrew the request
    DUPLICATE = "duplicate"  # merged into another order
    INVALID = "invalid"  # not a real request (spam, wrong number)


S = Status
# (from, to) -> the action name shown to people. Anything not listed is forbidden.
TRANSITIONS: dict[tuple[Status, Status], str] = {
    (S.NEW, S.IN_PROGRESS): "start",
    (S.NEW, S.AWAITING_MATERIALS): "request_materials",
    (S.NEW, S.PENDING_CUSTOMER): "wait_for_customer",
    (S.NEW, S.RESOLVED): "resolve",  # solved on the spot (当场解决)
    (S.NEW, S.CLOSED): "withdraw",
    (S.AWAITING_MATERIALS, S.IN_PROGRESS): "materials_complete",
    (S.AWAITING_MATERIALS, S.CLOSED): "withdraw",
    (S.IN_PROGRESS, S.AWAITING_MATERIALS): "request_materials",
    (S.IN_PROGRESS, S.PENDING_CUSTOMER): "wait_for_customer",
    (S.IN_PROGRESS, S.RESOLVED): "resolve",
    (S.IN_PROGRESS, S.CLOSED): "withdraw",
    (S.PENDING_CUSTOMER, S.IN_PROGRESS): "resume",
    (S.PENDING_CUSTOMER, S.RESOLVED): "resolve",
    (S.PENDING_CUSTOMER, S.CLOSED): "withdraw",
    (S.RESOLVED, S.CLOSED): "close",
    (S.RESOLVED, S.REOPENED): "reopen",
    (S.CLOSED, S.REOPENED): "reopen",
    (S.REOPENED, S.IN_PROGRESS): "start",
    (S.REOPENED, S.AWAITING_MATERIALS): "request_materials",
    (S.REOPENED, S.PENDING_CUSTOMER): "wait_for_customer",
    (S.REOPENED, S.RESOLVED): "resolve",
}

# Transitions that need a written reason.
REASON_REQUIRED = frozenset({"withdraw", "reopen", "wait_for_customer"})


@dataclass(frozen=True)
class TransitionContext:
    """What the rules need to know about the order and the request."""

    has_owner: bool
    has_handler: bool  # an assignee or a department is working on it (or the owner handles it)
    reason: str = ""
    close_reason: CloseReason | None = None
    resolution: str = ""
    merged: bool = False
    sent_back: bool = False  # a send-back waits for the dispatcher to route the order again


@dataclass(frozen=True)
class RuleError:
    code: str
    field: str | None = None


def order_refusal(action: str, *, merged: bool) -> RuleError | None:
    """The error that forbids ``action`` because of what the order is (not of what the request says),
    or None. Both :func:`allowed_targets` (what is offered) and :func:`check_transition` (what is
    accepted) ask this, so an order is never offered a change it would refuse."""
    if action == "reopen" and merged:
        # a merged duplicate stays closed and points to its survivor; reopen the survivor instead
        return RuleError("merged_order", "status")
    return None


def allowed_targets(current: Status, *, merged: bool = False) -> list[Status]:
    """States reachable from ``current`` in one step, in table order, for an order that is (or is not)
    a merged duplicate; the request's own inputs (reason, resolution…) are checked later."""
    return [
        to
        for (frm, to), action in TRANSITIONS.items()
        if frm == current and order_refusal(action, merged=merged) is None
    ]


def check_transition(current: Status, target: Status, ctx: TransitionContext) -> list[RuleError]:
    """Errors that forbid moving from ``current`` to ``target``; empty when allowed."""
    action = TRANSITIONS.get((current, target))
    if action is None:
        return [RuleError("transition_forbidden", "status")]
    errors: list[RuleError] = []
    if not ctx.has_owner:
        # 首问负责制: an order can never be left with nobody answering for it.
        errors.append(RuleError("no_owner", "owner"))
    if action in REASON_REQUIRED and not ctx.reason.strip():
        errors.append(RuleError("reason_required", "reason"))
    if action == "resolve" and not ctx.resolution.strip():
        errors.append(RuleError("resolution_required", "resolution"))
    if action == "resolve" and ctx.sent_back:
        # 退单: the unit handed it back; the dispatcher routes it again before anyone resolves it
        errors.append(RuleError("route_again", "status"))
    if action == "withdraw":
        if ctx.close_reason is None or ctx.close_reason == CloseReason.SOLVED:
            errors.append(RuleError("close_reason_required", "close_reason"))
        elif ctx.close_reason == CloseReason.DUPLICATE and not ctx.merged:
            errors.append(RuleError("merge_required", "close_reason"))
    refusal = order_refusal(action, merged=ctx.merged)
    if refusal is not None:
        errors.append(refusal)
    if action == "close" and ctx.close_reason not in (None, CloseReason.SOLVED):
        errors.append(RuleError("close_reason_invalid", "close_reason"))
    return errors


def action_name(current: Status, target: Status) -> str | None:
    return TRANSITIONS.get((current, target))


@dataclass(frozen=True)
class TransferCheck:
    to_staff: bool
    to_department: bool
    reason: str
    same_as_current: bool


def check_transfer(t: TransferCheck) -> list[RuleError]:
    """A transfer must name who receives the work, and why; it never leaves the order with nobody."""
    errors: list[RuleError] = []
    if not t.to_staff and not t.to_department:
        errors.append(RuleError("no_receiver", "to_staff"))
    if not t.reason.strip():
        errors.append(RuleError("reason_required", "reason"))
    if t.same_as_current and not t.to_department:
        errors.append(RuleError("same_assignee", "to_staff"))
    return errors


def serves_branch(branch_id: int | None, order_branch_id: int) -> bool:
    """Whether staff or a department of ``branch_id`` may receive or take over an order of
    ``order_branch_id``: the same branch, or the company level (no branch, e.g. the general manager).
    Orders are never handed to another branch's staff or departments."""
    return branch_id is None or branch_id == order_branch_id


def is_open(status: Status | str) -> bool:
    return Status(status) in OPEN_STATUSES


PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

# Raising an order's priority (an escalation, an agitated customer) lifts these to RAISED_PRIORITY; an
# order already high or urgent keeps its priority (never lowered).
RAISABLE_PRIORITIES = ("normal", "low")
RAISED_PRIORITY = "high"


def raised_priority(priority: str) -> str:
    """The priority after a raise: normal and low become high, anything else stays."""
    return RAISED_PRIORITY if priority in RAISABLE_PRIORITIES else priority


def default_priority(order_type: OrderType, vip: bool) -> str:
    """急事急办: major faults and complaints are high priority; VIP customers one step higher."""
    base = "high" if order_type in (OrderType.FAULT_MAJOR, OrderType.COMPLAINT) else "normal"
    if vip:
        return "urgent" if base == "high" else "high"
    return base


MENTION_RE = re.compile(r"(?<![\w.@])@([\w.\-]{1,30})")


def mentions(text: str) -> list[str]:
    """The ``@name`` / ``@badge`` tokens of an internal note, in order, each once (``a@b.cn`` is not one)."""
    seen: list[str] = []
    for m in MENTION_RE.finditer(text or ""):
        token = m.group(1).rstrip(".-")
        if token and token not in seen:
            seen.append(token)
    return seen


# --- replies: which way a reply reaches the customer (R-6; docs/user-guide.md "Replying") ---------------


class ReplyChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WECOM = "wecom"  # WeCom customer service (微信客服), sent by the chat adapter at once
    PORTAL = "portal"  # visible in the customer's portal
    CALLBACK = "callback"  # not written: the agent called the customer back and logs the outcome


WRITTEN_CHANNELS = (ReplyChannel.SMS, ReplyChannel.EMAIL, ReplyChannel.WECOM, ReplyChannel.PORTAL)


class CallbackOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"


# the written channel an order came in on, as a reply channel (phone, counter, visit, API: none)
_ORDER_CHANNEL_REPLY = {
    "sms": ReplyChannel.SMS,
    "email": ReplyChannel.EMAIL,
    "chat": ReplyChannel.WECOM,
    "portal": ReplyChannel.PORTAL,
}


def reachable_channels(*, mobile: bool, email: bool, wecom: bool, portal: bool) -> list[ReplyChannel]:
    """The written channels a customer can be reached on, in the order the reply box offers them."""
    have = {
        ReplyChannel.SMS: mobile,
        ReplyChannel.EMAIL: email,
        ReplyChannel.WECOM: wecom,
        ReplyChannel.PORTAL: portal,
    }
    return [c for c in WRITTEN_CHANNELS if have[c]]


def default_reply_channel(order_channel: str, reachable: Sequence[ReplyChannel]) -> ReplyChannel | None:
    """The order's own channel when the customer is reachable on it. A portal request from someone
    without a portal login (the anonymous report form) is answered by the e-mail, else the mobile, they
    gave. Phone, counter and visit orders have no default: the agent picks a channel or logs a call-back."""
    own = _ORDER_CHANNEL_REPLY.get(order_channel)
    if own is not None and own in reachable:
        return own
    if own is ReplyChannel.PORTAL:
        for c in (ReplyChannel.EMAIL, ReplyChannel.SMS):
            if c in reachable:
                return c
    return None


def mask_recipient(recipient: str) -> str:
    """How a recipient is shown in messages and on the timeline: ``138****1234``, ``z***@example.com``."""
    value = recipient.strip()
    if "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = value
    if value.startswith("+86"):  # the national form: 138…, or 010… for a landline
        digits = value[3:]
        if not (len(digits) == 11 and digits.startswith("1")):
            digits = "0" + digits
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return value


@dataclass(frozen=True)
class Delivery:
    """A reply's delivery as the timeline shows it (from its outbox row)."""

    state: str  # queued | sending | sent | failed | dead | suppressed
    attempts: int
    reason: str  # the first line of the last error (or why it was suppressed), empty unless failed/dead/suppressed

    @property
    def retries(self) -> int:
        """How many times sending was tried again after the first attempt."""
        return max(self.attempts - 1, 0)


def delivery(status: str, attempts: int, last_error: str) -> Delivery:
    first_line = (last_error or "").strip().splitlines()[0][:200] if (last_error or "").strip() else ""
    return Delivery(status, attempts, first_line if status in ("failed", "dead", "suppressed") else "")


# --- send back (退单), the dispatcher, splitting, merging across customers (docs/send-back-split.md) -------

# an order sent back this many times or more is a *repeated* send-back (the send-back report counts them)
REPEATED_SEND_BACKS = 2
SEND_BACK_REASON_MAX = 2000


@dataclass(frozen=True)
class SendBackCheck:
    """What :func:`check_send_back` needs to know about the order and the request."""

    is_open: bool
    routed: bool  # the order is with a unit: an assignee or a department
    in_unit: bool  # the sender is the assignee, a member of the department or its leader
    reason: str
    dispatcher: int | None  # who gets it back (:func:`choose_dispatcher`), None: nobody but the unit
    pending: bool = False  # sent back already and not routed again: it is with the dispatcher


def check_send_back(c: SendBackCheck) -> list[RuleError]:
    """A unit may send back an open order routed to it by mistake, with a reason, to someone outside
    the unit who routes it again."""
    errors: list[RuleError] = []
    if not c.is_open:
        errors.append(RuleError("not_open", "status"))
    elif c.pending:
        errors.append(RuleError("sent_back_pending", "status"))
    elif not c.routed:
        errors.append(RuleError("not_routed", "status"))
    elif not c.in_unit:
        errors.append(RuleError("not_your_unit", "status"))
    elif c.dispatcher is None:
        errors.append(RuleError("no_dispatcher", "status"))
    if not c.reason.strip():
        errors.append(RuleError("reason_required", "reason"))
    elif len(c.reason.strip()) > SEND_BACK_REASON_MAX:
        errors.append(RuleError("too_long", "reason"))
    return errors


def choose_dispatcher(routed_by: int | None, owner: int, unit: frozenset[int]) -> int | None:
    """Who an order sent back goes to: the staff member who routed it to the unit (the ``by`` of the
    transfer that brought it there), else — created straight into the unit, or routed by one of the unit
    — the first-contact owner; never a member of the unit itself (``unit``: the sender, the assignee, the
    department's members and leader, and anyone inactive). None when only the unit is left."""
    for candidate in (routed_by, owner):
        if candidate is not None and candidate not in unit:
            return candidate
    return None


def same_unit(
    pending_staff: int | None, pending_department: int | None, to_staff: int | None, to_department: int | None
) -> bool:
    """Whether a transfer routes an order back to the unit that sent it back: the same department (a
    member of it included, whose department follows), or, for a unit without department, the same person."""
    if pending_department is not None:
        return to_department == pending_department
    return pending_staff is not None and to_staff == pending_staff


def check_reroute(*, same: bool, note: str) -> list[RuleError]:
    """Routing a sent-back order to the unit that sent it back needs a note to that unit (why it is
    theirs after all): they read it on the order's timeline."""
    if same and not note.strip():
        return [RuleError("note_required", "note")]
    return []


def merge_refusal(*, same_customer: bool, confirmed_different: bool) -> RuleError | None:
    """Orders of two customers (the same event reported by two people) merge only when the agent
    confirms that the customers differ; orders of one customer merge without it."""
    if not same_customer and not confirmed_different:
        return RuleError("different_customer", "confirm_different_customer")
    return None

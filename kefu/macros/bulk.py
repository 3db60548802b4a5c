"""Bulk actions on a selection of orders (the queue's selection, or the API's list): assign, transfer,
priority, status, add tag, apply a macro, merge into one (docs/macros.md).

Each order goes through the same ``workorders.actions`` function as on its own page, in its own transaction:
an order's change is applied completely or not at all, and a refusal (the same rules, the same messages) is
listed for that order while the others go on. Every change is audited per order by the action it calls; the
run itself is recorded once (``order.bulk``) with the orders done and refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.macros import actions as macro_actions
from kefu.macros import rules
from kefu.organization.access import Actor, require_staff
from kefu.workorders import actions as wo
from kefu.workorders import hooks
from kefu.workorders.access import access_workorder
from kefu.workorders.models import WorkOrder


class BulkKind(StrEnum):
    ASSIGN = "assign"
    TRANSFER = "transfer"
    PRIORITY = "priority"
    STATUS = "status"
    ADD_TAG = "add_tag"
    MACRO = "macro"
    MERGE = "merge"


LABELS: dict[str, Any] = {
    BulkKind.ASSIGN: gettext_lazy("Assign to a person"),
    BulkKind.TRANSFER: gettext_lazy("Transfer (to a person or group)"),
    BulkKind.PRIORITY: gettext_lazy("Change the priority"),
    BulkKind.STATUS: gettext_lazy("Change the status"),
    BulkKind.ADD_TAG: gettext_lazy("Add a tag"),
    BulkKind.MACRO: gettext_lazy("Apply a macro"),
    BulkKind.MERGE: gettext_lazy("Merge into one order"),
}


def available_kinds() -> list[BulkKind]:
    """The bulk actions offered here ("add tag" only while a feature registered the order action)."""
    return [k for k in BulkKind if k != BulkKind.ADD_TAG or hooks.order_action("add_tag") is not None]


@dataclass
class BulkAction:
    kind: str
    to_staff_id: int | None = None
    to_department_id: int | None = None
    reason: str = ""
    priority: str = ""
    status: str = ""
    resolution: str = ""
    close_reason: str = ""
    tag: str = ""
    macro_id: int | None = None
    override_reason: str = ""
    survivor: str = ""  # merge: the surviving order (number or id); empty: the oldest selected


@dataclass
class OrderResult:
    key: str  # as given
    number: str = ""  # the order's number, when the caller may see the order
    ok: bool = False
    done: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BulkResult:
    kind: str
    results: list[OrderResult]

    @property
    def applied(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.results if not r.ok)


def _check(user: Actor, a: BulkAction, keys: list[str]) -> Any:
    """Refuse the whole request before touching any order when it cannot mean anything (unknown action, no
    orders, too many, a missing value); the macro to apply."""
    staff = require_staff(user)
    if a.kind not in {k.value for k in available_kinds()}:
        raise ValidationFailed("invalid_choice", _("Unknown bulk action."), "action")
    if not keys:
        raise ValidationFailed("required", _("Select at least one order."), "orders")
    if len(keys) > rules.MAX_ORDERS:
        raise ValidationFailed(
            "too_many", _("Select at most %(n)s orders at once.") % {"n": rules.MAX_ORDERS}, "orders"
        )
    if a.kind == BulkKind.ASSIGN and not a.to_staff_id:
        raise ValidationFailed("required", _("Choose the person."), "to_staff")
    if a.kind == BulkKind.TRANSFER and not (a.to_staff_id or a.to_department_id):
        raise ValidationFailed(
            "no_receiver", _("Name the staff member or department that receives the work."), "to_staff"
        )
    if a.kind == BulkKind.PRIORITY and not a.priority:
        raise ValidationFailed("required", _("Choose the priority."), "priority")
    if a.kind == BulkKind.STATUS and not a.status:
        raise ValidationFailed("required", _("Choose the status."), "status")
    if a.kind == BulkKind.ADD_TAG:
        tags = rules.parse_tags(a.tag)
        if len(tags) != 1 or rules.bad_tags(tags):
            raise ValidationFailed(
                "invalid_tag", _("Give one tag: one word of at most 40 characters."), "tag"
            )
    if a.kind == BulkKind.MACRO:
        if not a.macro_id:
            raise ValidationFailed("required", _("Choose the macro."), "macro")
        return macro_actions.get_macro(staff, a.macro_id)
    if a.kind == BulkKind.MERGE and len(keys) < 2 and not a.survivor:
        raise ValidationFailed("required", _("Select the orders to merge: at least two."), "orders")
    return None


def _survivor(user: Actor, a: BulkAction, keys: list[str]) -> WorkOrder:
    if a.survivor:
        return access_workorder(user, a.survivor.strip())
    visible = [o for o in _probe(user, keys) if o is not None]
    if not visible:
        raise ValidationFailed("required", _("Select the orders to merge: at least two."), "orders")
    return min(visible, key=lambda o: o.pk)


def _probe(user: Actor, keys: list[str]) -> list[WorkOrder | None]:
    out: list[WorkOrder | None] = []
    for k in keys:
        try:
            out.append(access_workorder(user, k))
        except KefuError:
            out.append(None)
    return out


def _one(user: Actor, a: BulkAction, key: str, macro: Any, survivor: WorkOrder | None) -> list[str]:
    """One order's change, in its own transaction; the names of what was done."""
    staff = require_staff(user)
    if a.kind == BulkKind.MACRO:
        return macro_actions.apply_to_order(
            user, staff, macro, key, override_reason=a.override_reason, source="console"
        )
    with transaction.atomic():
        o = access_workorder(user, key, for_update=True)
        if a.kind in (BulkKind.ASSIGN, BulkKind.TRANSFER):
            reason = a.reason.strip() or (_("Assigned from the queue") if a.kind == BulkKind.ASSIGN else "")
            wo.do_transfer(
                user,
                o.pk,
                to_staff_id=a.to_staff_id,
                to_department_id=a.to_department_id if a.kind == BulkKind.TRANSFER else None,
                reason=reason,
            )
        elif a.kind == BulkKind.PRIORITY:
            if o.priority == a.priority:
                return []
            wo.do_update_order(user, o.pk, {"priority": a.priority})
        elif a.kind == BulkKind.STATUS:
            wo.do_transition(
                user,
                o.pk,
                a.status,
                reason=a.reason,
                resolution=a.resolution,
                close_reason=a.close_reason,
            )
        elif a.kind == BulkKind.ADD_TAG:
            add_tag = hooks.order_action("add_tag")
            if add_tag is None:  # the feature went away between the check and now
                raise ValidationFailed("tags_unavailable", _("Tags are not available here."), "tag")
            add_tag(user, o.pk, rules.parse_tags(a.tag)[0])
        elif a.kind == BulkKind.MERGE:
            assert survivor is not None
            if o.pk == survivor.pk:
                return ["survivor"]
            wo.do_merge(user, o.pk, survivor.pk, a.reason)
    return [a.kind]


def do_bulk(user: Actor, keys: list[str], a: BulkAction) -> BulkResult:
    """Apply ``a`` to every order of ``keys`` (ids or numbers, in the order given, duplicates once), each
    in its own transaction; the result per order. Raises only when the request as a whole is refused."""
    keys = list(dict.fromkeys(str(k).strip() for k in keys if str(k).strip()))
    macro = _check(user, a, keys)
    survivor = _survivor(user, a, keys) if a.kind == BulkKind.MERGE else None
    results = []
    for key in keys:
        r = OrderResult(key=key)
        try:
            r.number = access_workorder(user, key).number
            r.done = _one(user, a, key, macro, survivor)
            r.ok = True
        except KefuError as exc:
            r.errors = macro_actions.error_items(exc)
        results.append(r)
    outcome = BulkResult(a.kind, results)
    with transaction.atomic():
        audit.record(
            user,
            "order.bulk",
            object_type="bulk",
            object_id=a.kind,
            after={
                "action": a.kind,
                "macro": a.macro_id,
                "applied": [r.number for r in results if r.ok],
                "refused": [r.number or r.key for r in results if not r.ok],
            },
            summary=_("%(action)s: %(ok)s applied, %(no)s refused")
            % {"action": a.kind, "ok": outcome.applied, "no": outcome.refused},
        )
    return outcome

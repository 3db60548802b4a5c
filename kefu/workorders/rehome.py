"""Moving a work order to another customer (an order taken on the wrong record, a placeholder's order that
belongs to the real archive record): R-5, one archive and one flow.

The order takes with it what hangs on it and names the customer: every table registered on
``kefu.customers.hooks`` with ``via_order`` (contacts, messages, follow-up tasks, satisfaction records,
survey invitations, accountability records, the customer's own timeline entries). Who: the order's
first-contact owner, or whoever holds ``order.rehome`` (supervisors, administrators); both the order and the
new customer must be in their scope. A reason is required; the order's timeline and the service log say it.
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers import actions as cust_actions
from kefu.customers import hooks as customer_hooks
from kefu.customers.access import access_customer
from kefu.customers.models import Customer
from kefu.lib import clock, search
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.workorders.access import access_workorder
from kefu.workorders.actions import _bump, add_entry, order_search_text
from kefu.workorders.models import TimelineEntry, WorkOrder

MAX_REASON = 500


def may_move(staff_can_rehome: bool, staff_id: int, order: WorkOrder) -> bool:
    return staff_can_rehome or order.owner_id == staff_id


@transaction.atomic
def do_move_order(user: Actor, key: int | str, customer_id: int | str, reason: str) -> WorkOrder:
    """Move order ``key`` to customer ``customer_id``, with the rows that hang on the order."""
    staff = require_staff(user, "order.work")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed("required", _("Say why the order moves to another customer."), "reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            "too_long", _("The reason is longer than %(n)d characters.") % {"n": MAX_REASON}, "reason"
        )
    probe = access_workorder(user, key)
    if not may_move(staff.can("order.rehome"), staff.pk, probe):
        raise PermissionDenied(
            "forbidden",
            _("Only the order's first-contact owner or a supervisor can move it to another customer."),
        )
    target_probe = access_customer(user, customer_id)
    # lock order: customers (ascending id), then the order
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[probe.customer_id, target_probe.pk])
        .order_by("pk")
    }
    o = access_workorder(user, probe.pk, for_update=True)
    old, target = locked[o.customer_id], locked[target_probe.pk]
    if target.pk == old.pk:
        raise ValidationFailed("same_customer", _("The order already belongs to this customer."), "customer")
    if target.merged_into_id:
        raise ValidationFailed(
            "merged", _("This record was merged into another; choose the surviving record."), "customer"
        )
    if target.erased_at:
        raise ValidationFailed("erased", _("This record was erased."), "customer")
    now = clock.now()
    moved: dict[str, int] = {}
    for ref in customer_hooks.customer_references():
        if not ref.via_order:
            continue
        model = apps.get_model(ref.model)
        n = model._base_manager.filter(**{ref.via_order: o, f"{ref.field}_id": old.pk}).update(
            **{f"{ref.field}_id": target.pk}
        )
        if n:
            moved[f"{ref.model}.{ref.field}"] = n
    o.customer = target
    o.search_text = order_search_text(o, target)
    _bump(o, now, ["customer", "search_text"])
    search.sync(o)
    data = {"event": "customer_moved", "from": old.number, "to": target.number}
    add_entry(o, TimelineEntry.Kind.SYSTEM, staff=staff, body=reason, data=data, at=now)
    audit.record(
        user,
        "order.customer_moved",
        o,
        before={"customer": old.number},
        after={"customer": target.number, "moved": moved, "reason": reason},
        customer_id=target.pk,
        workorder_id=o.pk,
        summary=_("%(order)s moved from %(old)s to %(new)s: %(reason)s")
        % {"order": o.number, "old": old.number, "new": target.number, "reason": reason},
    )
    # the old customer's service log says where the order went
    audit.record(
        user,
        "order.customer_moved",
        o,
        before={"customer": old.number},
        after={"customer": target.number},
        customer_id=old.pk,
        workorder_id=o.pk,
        summary=_("%(order)s moved from %(old)s to %(new)s: %(reason)s")
        % {"order": o.number, "old": old.number, "new": target.number, "reason": reason},
    )
    for c in (old, target):
        cust_actions.recompute_tier(c)
    return o

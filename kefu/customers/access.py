"""The only way to fetch customers for a user (least privilege)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer
from kefu.hotline.access import on_the_line_q
from kefu.lib.errors import NotFound
from kefu.organization.access import Actor, staff_of


def visible_customers(user: Actor) -> QuerySet[Customer]:
    """Customers ``user`` may see: all for company-level staff and admins, the branch for branch
    staff, only themselves for a portal customer, nothing for anyone else. A hotline agent sees the
    customers on the line (``kefu.hotline.access``) and, with a branch, that branch's."""
    qs = Customer.objects.all()
    staff = staff_of(user)
    if staff is not None:
        if staff.is_hotline:
            scope = on_the_line_q(staff.pk)
            return qs.filter(scope | Q(branch_id=staff.branch_id) if staff.branch_id else scope)
        if staff.sees_all_branches or staff.branch_id is None:
            return qs
        return qs.filter(branch_id=staff.branch_id)
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        customer = getattr(user, "customer", None)
        if customer is not None:
            return qs.filter(pk=customer.pk)
    return qs.none()


def access_customer(
    user: Actor,
    customer_id: int | str,
    *,
    for_update: bool = False,
    annotations: dict[str, Any] | None = None,
) -> Customer:
    """The customer if visible to ``user``; NotFound (never "forbidden", so ids cannot be probed).
    ``annotations``: what the caller needs with the customer, in the same query."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise NotFound("not_found", _("Customer not found."), "customer") from None
    qs = visible_customers(user)
    if annotations:
        qs = qs.annotate(**annotations)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except Customer.DoesNotExist:
        raise NotFound("not_found", _("Customer not found."), "customer") from None

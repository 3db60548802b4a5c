"""The only way to fetch work orders, their timeline and attachments for a user."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import router
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.hotline.access import on_the_line_q
from kefu.lib.errors import NotFound
from kefu.lib.prepared import Prepared
from kefu.organization.access import Actor, staff_of
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder
from kefu.workorders.rules import Status

# what a caller reads with the order, built from the orders the user may see (for counts among them)
Annotations = Callable[[QuerySet[WorkOrder]], Mapping[str, Any]]


def _portal_customer(user: Actor) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "customer", None)


def visible_workorders(user: Actor) -> QuerySet[WorkOrder]:
    """Orders ``user`` may see: company-level staff and admins all, branch staff their branch (plus
    orders they own or work on elsewhere), a portal customer only their own, anyone else nothing.
    A hotline agent (docs/hotline.md): the orders they registered (first-contact owner) until closed,
    those assigned to them, and the orders of the customers on the line."""
    qs = WorkOrder.objects.all()
    staff = staff_of(user)
    if staff is not None:
        if staff.is_hotline:
            scope = (
                (Q(owner=staff) & ~Q(status=Status.CLOSED))
                | Q(assignee=staff)
                | on_the_line_q(staff.pk, "customer_id")
            )
            return qs.filter(scope | Q(branch_id=staff.branch_id) if staff.branch_id else scope)
        if staff.sees_all_branches:
            return qs
        return qs.filter(Q(branch_id=staff.branch_id) | Q(owner=staff) | Q(assignee=staff))
    customer = _portal_customer(user)
    if customer is not None:
        return qs.filter(customer_id=customer.pk)
    return qs.none()


def visibility_shape(user: Actor) -> tuple[str, dict[str, int]] | None:
    """How :func:`visible_workorders` limits ``user``'s orders, for a query compiled once per shape
    (``kefu.lib.prepared``): ``("all", {})`` for staff who see every branch, ``("branch", {"staff_id": …,
    "branch_id": …})`` for branch staff (their branch, plus what they own or work on). None for every other
    user (hotline agents, customers, anyone else): their filter is built per request."""
    staff = staff_of(user)
    if staff is None or staff.is_hotline:
        return None
    if staff.sees_all_branches:
        return ("all", {})
    if staff.branch_id is None:
        return None
    return ("branch", {"staff_id": staff.pk, "branch_id": staff.branch_id})


def shaped_workorders(kind: str, staff_id: int = 0, branch_id: int = 0) -> QuerySet[WorkOrder]:
    """The orders :func:`visible_workorders` gives a user of :func:`visibility_shape` ``kind`` with these
    ids (the same filter, built from the ids alone)."""
    qs = WorkOrder.objects.all()
    if kind == "all":
        return qs
    if kind == "branch":
        return qs.filter(Q(branch_id=branch_id) | Q(owner_id=staff_id) | Q(assignee_id=staff_id))
    raise ValueError(f"no visibility shape {kind!r}")


def access_workorder(
    user: Actor,
    key: int | str,
    *,
    for_update: bool = False,
    related: Sequence[str] = (),
    annotations: Mapping[str, Any] | Annotations | None = None,
    compiled_as: str = "",
) -> WorkOrder:
    """The order by id or number if visible to ``user``; NotFound otherwise (same answer for both).
    ``related`` and ``annotations`` load what the caller needs in the same statement (one query for the
    check and the header of the order page; only the order's own row is locked ``for_update``).

    ``compiled_as``: a name for a hot call site whose ``related`` and ``annotations`` are the same on every
    call (annotations that depend on nothing but the row and the orders the user may see: pass a function
    that builds them from those orders, :data:`Annotations`): the query is
    compiled once per process and visibility shape and prepared on the connection (``kefu.lib.prepared``)
    instead of built on every request. Users whose visibility has no fixed shape (hotline agents,
    customers) get the query built as usual."""
    shape = visibility_shape(user) if compiled_as else None
    if shape is not None:
        kind, ids = shape
        by_pk = isinstance(key, int) or (isinstance(key, str) and key.isdecimal())
        if by_pk and not 0 < int(key) < 2**63:  # no such id (and none a database column could hold)
            raise NotFound("not_found", _("Work order not found."), "workorder")
        prepared = _prepared_access(
            compiled_as, kind, "pk" if by_pk else "number", for_update, related, annotations
        )
        found = prepared.first(
            router.db_for_write(WorkOrder) if for_update else router.db_for_read(WorkOrder),
            key=int(key) if by_pk else str(key).strip().upper(),
            **ids,
        )
        if found is None:
            raise NotFound("not_found", _("Work order not found."), "workorder")
        return found
    qs = visible_workorders(user)
    if callable(annotations):
        annotations = annotations(qs)
    if related:
        qs = qs.select_related(*related)
    if annotations:
        qs = qs.annotate(**annotations)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        if isinstance(key, int) or (isinstance(key, str) and key.isdecimal()):
            return qs.get(pk=int(key))
        return qs.get(number=str(key).strip().upper())
    except WorkOrder.DoesNotExist:
        raise NotFound("not_found", _("Work order not found."), "workorder") from None


# the hot call sites' queries (access_workorder's compiled_as), per visibility shape, key, lock and relations
_PREPARED: dict[tuple[Any, ...], Prepared[WorkOrder]] = {}
_SAMPLE_IDS = {"staff_id": 2_000_000_011, "branch_id": 2_000_000_013}
_SAMPLE_KEYS = {"pk": 2_000_000_017, "number": "\x01KEFU-SAMPLE-NUMBER"}


def _prepared_access(
    name: str,
    kind: str,
    by: str,
    for_update: bool,
    related: Sequence[str],
    annotations: Mapping[str, Any] | Annotations | None,
) -> Prepared[WorkOrder]:
    cache_key = (name, kind, by, for_update, tuple(related))
    prepared = _PREPARED.get(cache_key)
    if prepared is None:
        samples: dict[str, Any] = {k: v for k, v in _SAMPLE_IDS.items() if kind == "branch"}
        samples["key"] = _SAMPLE_KEYS[by]

        def build(key: Any, **ids: int) -> QuerySet[WorkOrder]:
            visible = shaped_workorders(kind, **ids)
            qs = visible.select_related(*related) if related else visible
            extra = annotations(visible) if callable(annotations) else annotations
            if extra:
                qs = qs.annotate(**extra)
            if for_update:
                qs = qs.select_for_update(of=("self",))
            return qs.filter(**{by: key})[:1]

        prepared = _PREPARED.setdefault(cache_key, Prepared(build, **samples))
    return prepared


def visible_timeline(user: Actor, order: WorkOrder) -> QuerySet[TimelineEntry]:
    qs = order.timeline.select_related("author_staff", "author_customer")
    if staff_of(user) is None:
        qs = qs.filter(public=True)
    return qs


def visible_attachments(user: Actor, order: WorkOrder) -> QuerySet[Attachment]:
    qs = order.attachments.all()
    if staff_of(user) is None:
        qs = qs.filter(public=True)
    return qs


def access_attachment(user: Actor, attachment_id: int | str) -> Attachment:
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound("not_found", _("Attachment not found."), "attachment") from None
    qs = Attachment.objects.filter(workorder__in=visible_workorders(user)).select_related("workorder")
    if staff_of(user) is None:
        qs = qs.filter(public=True)
    try:
        return qs.get(pk=pk)
    except Attachment.DoesNotExist:
        raise NotFound("not_found", _("Attachment not found."), "attachment") from None

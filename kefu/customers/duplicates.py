"""Duplicate suggestions: records that may be the same person (the customer page, the merge queue).

Reasons, strongest first: the same phone number, the same e-mail address, the same chat or social identity
(any contact point, not only the primary one), the same name and address, and the same name where one record
has no address (a placeholder a channel made: "WeChat user …", a sender's name from an e-mail). Only records
the person may see, not merged, not erased; a suggestion is a suggestion — the merge is a person's decision
(kefu.customers.merge).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.customers.access import visible_customers
from kefu.customers.models import ContactPoint, Customer
from kefu.lib import search
from kefu.organization.access import Actor

REASONS: dict[str, Any] = {
    "phone": _("same phone number"),
    "email": _("same e-mail address"),
    "identity": _("same chat or social media identity"),
    "name_address": _("same name and address"),
    "name": _("same name, one record has no address"),
}
ORDER = list(REASONS)
QUEUE_LIMIT = 100


def _reason_of(kind: str) -> str:
    if kind == ContactPoint.Kind.PHONE:
        return "phone"
    if kind == ContactPoint.Kind.EMAIL:
        return "email"
    return "identity"


def _norm(text: str) -> str:
    return search.normalize(" ".join((text or "").split())).replace(" ", "")


def _candidates(user: Actor) -> QuerySet[Customer]:
    return visible_customers(user).filter(merged_into__isnull=True, erased_at__isnull=True)


def name_reason(a: Customer, b: Customer) -> str | None:
    if not a.name or _norm(a.name) != _norm(b.name):
        return None
    if a.address and b.address:
        x, y = _norm(a.address), _norm(b.address)
        return "name_address" if x and y and (x in y or y in x) else None
    return "name"


@dataclass
class Suggestion:
    customer: Customer
    reasons: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [str(REASONS[r]) for r in sorted(self.reasons, key=ORDER.index)]


def suggestions_for(user: Actor, c: Customer, limit: int = 10) -> list[Suggestion]:
    """Records in ``user``'s scope that may be the same person as ``c`` (two queries)."""
    if c.merged_into_id or c.erased_at:
        return []
    mine = {(cp.kind, cp.normalized) for cp in c.contact_points.all()}  # prefetched on the customer page
    keys = Q()
    for kind, normalized in mine:
        keys |= Q(contact_points__kind=kind, contact_points__normalized=normalized)
    cond = Q(name=c.name) | keys if c.name else keys
    if not cond:
        return []
    found: dict[int, Suggestion] = {}
    rows = (
        _candidates(user)
        .filter(cond)
        .exclude(pk=c.pk)
        .distinct()
        .select_related("branch")
        .prefetch_related("contact_points")
        .order_by("id")[: limit * 3]
    )
    for other in rows:
        s = Suggestion(other)
        for cp in other.contact_points.all():
            if (cp.kind, cp.normalized) in mine:
                reason = _reason_of(cp.kind)
                if reason not in s.reasons:
                    s.reasons.append(reason)
        by_name = name_reason(c, other)
        if by_name:
            s.reasons.append(by_name)
        if s.reasons:
            found[other.pk] = s
    return sorted(found.values(), key=lambda s: (min(ORDER.index(r) for r in s.reasons), s.customer.pk))[
        :limit
    ]


@dataclass
class Pair:
    first: Customer
    second: Customer
    reasons: list[str]

    @property
    def labels(self) -> list[str]:
        return [str(REASONS[r]) for r in sorted(self.reasons, key=ORDER.index)]


def queue(user: Actor, limit: int = QUEUE_LIMIT) -> list[Pair]:
    """The pairs of records in ``user``'s scope that may be one person (the supervisor's merge queue):
    shared identities first, then names."""
    scope = _candidates(user)
    pairs: dict[tuple[int, int], list[str]] = defaultdict(list)
    shared = (
        ContactPoint.objects.filter(customer__in=scope)
        .values("kind", "normalized")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .order_by("kind", "normalized")[: limit * 2]
    )
    keys = Q()
    for row in shared:
        keys |= Q(kind=row["kind"], normalized=row["normalized"])
    if keys:
        groups: dict[tuple[str, str], set[int]] = defaultdict(set)
        for kind, normalized, cid in ContactPoint.objects.filter(keys, customer__in=scope).values_list(
            "kind", "normalized", "customer_id"
        ):
            groups[(kind, normalized)].add(cid)
        for (kind, _n), ids in groups.items():
            ordered = sorted(ids)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    reason = _reason_of(kind)
                    if reason not in pairs[(a, b)]:
                        pairs[(a, b)].append(reason)
    names = scope.values("name").annotate(n=Count("id")).filter(n__gt=1).order_by("name")[: limit * 2]
    by_name: dict[str, list[Customer]] = defaultdict(list)
    name_list = [r["name"] for r in names]
    if name_list:
        for c in scope.filter(name__in=name_list).order_by("id"):
            by_name[c.name].append(c)
    for group in by_name.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                why = name_reason(first, second)
                if why and why not in pairs[(first.pk, second.pk)]:
                    pairs[(first.pk, second.pk)].append(why)
    chosen = sorted(pairs.items(), key=lambda kv: (min(ORDER.index(r) for r in kv[1]), kv[0]))[:limit]
    ids = {pk for (a, b), _r in chosen for pk in (a, b)}
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=ids).select_related("branch")}
    return [Pair(customers[a], customers[b], reasons) for (a, b), reasons in chosen]

"""`kefu check`: contradictions in the service catalogue that the disclosure page would publish (R-17).

- the fee in the service table against the service's fee items: the first item (by position) is the base fee
  and must be the table's fee; a paid service needs a fee, a free one no fee items;
- time limits stored before their validation existed (or written around it) that do not fit their service.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import translation

from kefu.commitments.models import Service, TimeLimit

Problem = tuple[str, str]


def fee_contradictions(paid: bool, fee: Decimal, items: list[tuple[str, Decimal]]) -> list[str]:
    """What is contradictory between a service's table fee and its fee items (``items`` by position):
    ``base_fee`` (a paid service's fee is not its first item's amount), ``paid_without_fee``,
    ``free_with_fee`` (a fee on a service marked free) and ``free_with_items``. Shared by ``kefu check`` and
    the console's catalogue editor (``commitments.catalogue.check_entry``)."""
    found: list[str] = []
    if paid:
        if items and fee != items[0][1]:
            found.append("base_fee")
        if fee <= 0 and not items:
            found.append("paid_without_fee")
    else:
        if fee > 0:
            found.append("free_with_fee")
        if items:
            found.append("free_with_items")
    return found


def check_catalogue() -> list[Problem]:
    problems: list[Problem] = []
    try:
        services = list(Service.objects.filter(is_active=True).prefetch_related("fees").order_by("code"))
        limits = list(TimeLimit.objects.filter(is_active=True).select_related("service").order_by("id"))
    except DatabaseError:  # tables not there yet: check_database reports the pending migrations
        return []
    for s in services:
        fees = sorted(s.fees.all(), key=lambda f: (f.order, f.id))
        found = fee_contradictions(s.paid, s.fee, [(f.name, f.amount) for f in fees])
        if "base_fee" in found:
            problems.append(
                (
                    "warning",
                    f"service '{s.code}' ({s.name}): the service table says {s.fee} but its first fee item "
                    f"'{fees[0].name}' says {fees[0].amount}; the disclosure page publishes both — make the "
                    "table's fee the base fee item's amount",
                )
            )
        if "paid_without_fee" in found:
            problems.append(("warning", f"service '{s.code}' ({s.name}) is marked paid but has no fee"))
        if "free_with_items" in found:
            problems.append(
                (
                    "warning",
                    f"service '{s.code}' ({s.name}) is free of charge but lists {len(fees)} fee item(s)",
                )
            )
    with translation.override("en"):  # kefu check speaks English, like its other messages
        for limit in limits:
            try:
                limit.clean()
            except ValidationError as e:
                text = "; ".join(str(m) for messages in e.message_dict.values() for m in messages)
                problems.append(("warning", f"time limit #{limit.pk} ({limit}): {text}"))
    return problems

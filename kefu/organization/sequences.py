"""Race-free sequence numbers, allocated inside the caller's transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from kefu.organization.models import NumberSequence


def next_value(key: str) -> int:
    """Increment and return the counter ``key``.

    The UPDATE takes the row lock (PostgreSQL) or the database write lock (SQLite, IMMEDIATE
    transactions) and holds it until the caller commits, so two transactions never see the same value;
    a rolled-back transaction gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside a transaction")
    for _attempt in range(3):
        if NumberSequence.objects.filter(key=key).update(value=F("value") + 1):
            return NumberSequence.objects.values_list("value", flat=True).get(key=key)
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, value=1)
            return 1
        except IntegrityError:
            continue  # another transaction created it first; increment that row
    raise RuntimeError(f"could not allocate a number for {key}")

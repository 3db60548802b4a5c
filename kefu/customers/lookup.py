"""Finding the one customer behind a channel identity (a caller's or an SMS sender's phone number, an e-mail
address, a WeCom external user id, a social media handle).

Every channel resolves through the identity table (``ContactPoint``) and then to the survivor: a record that
was merged into another (``Customer.merged_into``, kefu.customers.merge) answers with the record it lives on,
so a message from any identity the person ever used lands on the one archive record.
"""

from __future__ import annotations

from django.db.models import F

from kefu.customers.models import ContactPoint, Customer


def survivor_of(c: Customer) -> Customer:
    """The record ``c`` lives on: itself, or the survivor it was merged into (following a chain)."""
    seen = {c.pk}
    while c.merged_into_id and c.merged_into_id not in seen:
        seen.add(c.merged_into_id)
        c = Customer.objects.get(pk=c.merged_into_id)
    return c


def customer_for_identity(kind: str, normalized: str) -> Customer | None:
    """The (surviving) customer holding the identity ``kind``/``normalized``; the oldest record when
    several unmerged records share it (a duplicate the merge queue shows)."""
    if not normalized:
        return None
    cp = (
        ContactPoint.objects.filter(kind=kind, normalized=normalized)
        .select_related("customer")
        .order_by(F("customer__merged_into_id").asc(nulls_first=True), "customer_id")  # unmerged first
        .first()
    )
    return survivor_of(cp.customer) if cp else None


def customer_for_phone(normalized: str) -> Customer | None:
    return customer_for_identity(ContactPoint.Kind.PHONE, normalized)


def customer_for_email(normalized: str) -> Customer | None:
    return customer_for_identity(ContactPoint.Kind.EMAIL, normalized)

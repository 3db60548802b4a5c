"""Finding the one customer behind a channel identity (a caller's or an SMS sender's phone number)."""

from __future__ import annotations

from kefu.customers.models import ContactPoint, Customer


def customer_for_phone(normalized: str) -> Customer | None:
    if not normalized:
        return None
    cp = (
        ContactPoint.objects.filter(
            kind=ContactPoint.Kind.PHONE, normalized=normalized, customer__merged_into__isnull=True
        )
        .select_related("customer")
        .order_by("customer_id")
        .first()
    )
    return cp.customer if cp else None

"""Writing access records and revealing masked fields (docs/privacy.md, "Access records").

Every function here writes at most one INSERT (``bulk_create`` of one row per customer), outside any change
audit, so logging a page or an API read never adds a query per row."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from kefu.customers.access import access_customer
from kefu.customers.models import Customer
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import Actor, login_of, require_staff, staff_of
from kefu.privacy import rules
from kefu.privacy.models import AccessRecord


def unmasked_for(user: Actor | None) -> bool:
    """Whether ``user`` sees personal data in full in lists, exports and the API (capability
    ``personal.unmasked``). Customers reading their own data are not staff and are answered elsewhere."""
    staff = staff_of(user)
    return staff is not None and staff.can(rules.UNMASKED)


def _actor(user: Actor | None) -> str:
    staff = staff_of(user)
    if staff is not None:
        return f"{staff.name} ({staff.badge_no})"[:150]
    login = login_of(user)
    return login.get_username()[:150] if login is not None else ""


def record(
    user: Actor | None,
    kind: rules.Kind,
    customer_ids: Iterable[int | None],
    *,
    field: str = "",
    reason: str = "",
    reason_text: str = "",
    rows: int | None = None,
    where: str = "",
) -> int:
    """Record one access of ``kind`` by ``user`` to each of ``customer_ids`` (duplicates once; ``None`` for
    an access with no one customer, such as an export) in one INSERT. Returns the number of rows written."""
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return 0
    login = login_of(user)
    at, actor = clock.now(), _actor(user)
    AccessRecord.objects.bulk_create(
        [
            AccessRecord(
                at=at,
                user_id=login.pk if login is not None else None,
                actor=actor,
                customer_id=cid,
                kind=kind.value,
                field=field,
                reason=reason,
                reason_text=reason_text.strip(),
                rows=rows,
                where=where[:200],
            )
            for cid in ids
        ]
    )
    return len(ids)


def do_reveal(
    user: Actor, customer_id: int, field: str, reason: str, reason_text: str = "", *, where: str = ""
) -> Customer:
    """The customer whose ``field`` may now be shown in full, for staff holding ``personal.reveal`` who may
    see the customer, with a reason from the list (``other`` with a text); the reveal is recorded (who, when,
    which field, why). NotFound for a customer the user cannot see, PermissionDenied without the
    capability, ValidationFailed for an unknown field or a missing reason."""
    require_staff(user, rules.REVEAL)
    customer = access_customer(user, customer_id)
    if field not in rules.REVEALABLE:
        raise ValidationFailed("invalid_field", _("This field cannot be revealed."), "field")
    problem = rules.check_reason(reason, reason_text)
    if problem == "reason":
        raise ValidationFailed("invalid_reason", _("Choose why you need to see it."), "reason")
    if problem == "reason_text":
        raise ValidationFailed(
            "invalid_reason_text",
            _("Say why you need to see it (at most %(n)d characters).") % {"n": rules.REASON_TEXT_MAX},
            "reason_text",
        )
    record(
        user,
        rules.Kind.REVEAL,
        [customer.pk],
        field=field,
        reason=reason,
        reason_text=reason_text if reason == rules.Reason.OTHER else "",
        where=where,
    )
    return customer

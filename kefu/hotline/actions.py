"""Opening and ending a hotline session (docs/hotline.md). The hotline search that leads here is
``kefu.customers.lookup.hotline_search``; the pages are the console's ``/hotline/``, the API's
``/hotline/...``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.hotline.access import open_sessions, session_length
from kefu.hotline.models import HotlineSession, SessionVia
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff
from kefu.organization.rules import HOTLINE_AGENT


def _end_open(staff: Staff, now: Any, *, keep: int | None = None) -> list[int]:
    qs = open_sessions(staff.pk, now)
    if keep is not None:
        qs = qs.exclude(customer_id=keep)
    ended = list(qs.values_list("customer_id", flat=True))
    qs.update(ended_at=now)
    return ended


@transaction.atomic
def do_open_session(user: Actor, customer: Any, via: str = SessionVia.SEARCH) -> HotlineSession:
    """Take ``customer`` (any branch) on the line: the agent's previous customer leaves the line (one at a
    time), an open session of the same customer is extended. Audited as ``hotline.open``."""
    staff = require_staff(user, HOTLINE_AGENT)
    if getattr(customer, "merged_into_id", None):
        raise ValidationFailed(
            "merged_customer", _("This customer record was merged; use the surviving record."), "customer"
        )
    now = clock.now()
    _end_open(staff, now, keep=customer.pk)
    session = open_sessions(staff.pk, now).filter(customer_id=customer.pk).first()
    if session is None:
        session = HotlineSession.objects.create(
            staff=staff, customer=customer, via=via, opened_at=now, expires_at=now + session_length()
        )
    else:
        session.expires_at = now + session_length()
        session.save(update_fields=["expires_at"])
    audit.record(
        user,
        "hotline.open",
        session,
        after={"customer": customer.pk, "branch": customer.branch_id, "via": via},
        customer_id=customer.pk,
    )
    return session


@transaction.atomic
def do_end_session(user: Actor) -> list[int]:
    """End the agent's open sessions (the caller hung up): their customers leave the line. Returns the
    customer ids; audited as ``hotline.end`` per customer."""
    staff = require_staff(user, HOTLINE_AGENT)
    ended = _end_open(staff, clock.now())
    audit.record_many(
        [audit.build(user, "hotline.end", staff, after={"customer": c}, customer_id=c) for c in ended]
    )
    return ended


def current_customer_id(staff: Staff) -> int | None:
    """The customer of the agent's open session (the latest), or None."""
    return open_sessions(staff.pk).order_by("-opened_at", "-id").values_list("customer_id", flat=True).first()

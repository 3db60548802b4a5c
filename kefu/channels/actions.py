"""Portal use cases (R-5: the web portal/online form lands in the same archive and work-order flow).

Who receives a request with nobody in front of the customer: ``kefu.workorders.receivers``.

Rate limit: at most ``KEFU_PORTAL_SUBMIT_PER_HOUR`` (default 10) submissions per customer and per
client address in a fixed one-hour window (counters in the shared cache, see ``kefu.lib.ratelimit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.commitments.models import Service
from kefu.customers import actions as cust_actions
from kefu.customers.access import access_customer
from kefu.customers.models import Channel, Customer
from kefu.lib import clock, ratelimit, search
from kefu.lib.errors import (
    KefuError,
    PermissionDenied,
    TooManyRequests,
    Unavailable,
    ValidationFailed,
    raise_if,
)
from kefu.organization.access import Actor
from kefu.organization.models import AreaKind, Branch
from kefu.organization.sequences import next_value
from kefu.workorders import actions as wo_actions
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import WorkOrder
from kefu.workorders.receivers import ReceiverRule, receive_request

# ---------------------------------------------------------------------------------------------------
# Pure rules (no database)


class PortalType(StrEnum):
    """The request types a customer chooses from (a simpler list than the staff's R-9 types)."""

    INQUIRY = "inquiry"
    FAULT = "fault"
    INSTALLATION = "installation"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


PORTAL_TYPE_LABELS: dict[PortalType, Any] = {
    PortalType.INQUIRY: gettext_lazy("Question / inquiry"),
    PortalType.FAULT: gettext_lazy("Fault / repair"),
    PortalType.INSTALLATION: gettext_lazy("Installation / activation"),
    PortalType.COMPLAINT: gettext_lazy("Complaint"),
    PortalType.SUGGESTION: gettext_lazy("Suggestion"),
    PortalType.PRAISE: gettext_lazy("Praise"),
}

# Which work-order types each portal type stands for; the first is the default.
PORTAL_TYPE_FAMILY: dict[PortalType, tuple[str, ...]] = {
    PortalType.INQUIRY: ("inquiry",),
    PortalType.FAULT: ("fault_general", "fault_major", "restoration"),
    PortalType.INSTALLATION: ("install_urban", "install_rural"),
    PortalType.COMPLAINT: ("complaint",),
    PortalType.SUGGESTION: ("suggestion",),
    PortalType.PRAISE: ("praise",),
}


def portal_order_type(portal_type: str, *, rural: bool, service_order_type: str | None = None) -> str | None:
    """The work-order type for a portal request, or None if the combination is not valid.

    A chosen service decides within the family (e.g. a "major fault" service); without one a fault is
    a general fault (staff reclassify it) and an installation is rural or urban after the customer's
    area.
    """
    try:
        family = PORTAL_TYPE_FAMILY[PortalType(portal_type)]
    except ValueError:
        return None
    if service_order_type:
        return service_order_type if service_order_type in family else None
    if PortalType(portal_type) == PortalType.INSTALLATION:
        return "install_rural" if rural else "install_urban"
    return family[0]


def create_channel_customer(
    *, name: str, branch: Branch, summary: str, phone: str = "", email: str = ""
) -> Customer:
    """A new customer record made by a channel with no staff member behind it (portal sign-in, anonymous
    report, SMS, chat, social media): ``phone`` is already normalised; the primary phone/e-mail become
    contact points; audited without an actor."""
    now = clock.now()
    c = Customer(
        number=f"KH{next_value('customer'):08d}",
        name=name,
        phone=phone,
        phone_e164=phone,
        email=email,
        branch=branch,
        language=branch.language,
        customer_since=clock.localdate(),
        created_at=now,
        updated_at=now,
    )
    c.search_text = cust_actions.customer_search_text(c)
    c.save()
    search.sync(c)
    cust_actions._sync_contact_points(c)
    audit.record(None, "customer.create", c, after=audit.snapshot(c), customer_id=c.pk, summary=summary)
    return c


def thread_or_open(
    customer: Customer,
    text: str,
    *,
    channel: str,
    title: str,
    window: dt.timedelta,
    refused: str,
    now: dt.datetime,
) -> tuple[WorkOrder, ReceiverRule | None]:
    """A customer's message from a gateway (SMS, chat) on their (locked) customer record: it goes onto the
    most recently updated open order updated within ``window``; else it opens an inquiry for the portal
    receiver with the message as the customer's first entry. Returns (order, receiver rule — None when
    threaded); ``refused`` is the message when nobody can receive a new order."""
    order = (
        WorkOrder.objects.select_for_update()
        .filter(
            customer=customer,
            status__in=[s.value for s in wo_rules.OPEN_STATUSES],
            updated_at__gte=now - window,
        )
        .order_by("-updated_at", "-id")
        .first()
    )
    if order is not None:
        wo_actions.customer_message_on(order, customer, text, channel=channel)
        return order, None
    received = receive_request(
        customer,
        wo_actions.OrderInput(order_type="inquiry", title=title[:200], description=text, channel=channel),
        refusal=Unavailable("no_receiver", refused),  # 503: the gateway delivers again later
        message=text,
    )
    return received.order, received.rule


def portal_services() -> Any:
    """Services a customer may pick on the portal: published and active."""
    return Service.objects.filter(public=True, is_active=True).order_by("order_type", "code")


def portal_customer(user: Actor) -> Customer | None:
    """The customer record behind a portal login (never for staff), or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "staff", None) is not None:
        return None
    return getattr(user, "customer", None)


# ---------------------------------------------------------------------------------------------------
# Actions


MAX_FILES = 5


@dataclass
class PortalRequest:
    request_type: str
    title: str
    description: str
    service_id: int | None = None
    files: list[Any] = field(default_factory=list)
    ip: str = ""


def submit_limit() -> int:
    return int(getattr(settings, "KEFU_PORTAL_SUBMIT_PER_HOUR", 10))


def check_submit_rate(customer: Customer, ip: str) -> None:
    """TooManyRequests when the customer or the address has used up this hour's submissions."""
    limit = submit_limit()
    if ratelimit.count("portal-submit-customer", str(customer.pk)) >= limit or (
        ip and ratelimit.count("portal-submit-ip", ip) >= limit
    ):
        raise TooManyRequests(
            "rate_limited",
            _(
                "You have sent %(limit)d requests in the last hour. Please wait an hour, "
                "or call the hotline if the matter is urgent."
            )
            % {"limit": limit},
        )


@transaction.atomic
def do_portal_submit(user: Actor, data: PortalRequest) -> WorkOrder:
    """A customer submits a new request on the portal: an order with channel ``portal``, received by
    the on-duty receiver of the customer's branch (see the module docstring), with the description as
    the customer's first (public) message and the files attached to it. Nothing is saved on error."""
    me = portal_customer(user)
    if me is None:
        raise PermissionDenied("not_customer", _("Only customers can submit requests here."))
    customer = access_customer(user, me.pk, for_update=True)  # serialises one customer's submissions
    check_submit_rate(customer, data.ip)
    errors: list[KefuError] = []
    service = None
    if data.service_id:
        service = portal_services().filter(pk=data.service_id).first()
        if service is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown service."), "service"))
    rural = customer.area is not None and customer.area.kind == AreaKind.RURAL
    order_type = None
    if data.request_type not in {t.value for t in PortalType}:
        errors.append(ValidationFailed("invalid_choice", _("Choose the type of your request."), "order_type"))
    else:
        order_type = portal_order_type(
            data.request_type, rural=rural, service_order_type=service.order_type if service else None
        )
        if order_type is None:
            errors.append(
                ValidationFailed(
                    "type_mismatch", _("This service does not fit the type of request."), "service"
                )
            )
    if len(data.files) > MAX_FILES:
        errors.append(
            ValidationFailed("too_many_files", _("Attach at most %(n)d files.") % {"n": MAX_FILES}, "files")
        )
    raise_if(errors)
    assert order_type is not None
    o = receive_request(
        customer,
        wo_actions.OrderInput(
            order_type=order_type,
            title=data.title,
            description=data.description,
            channel=Channel.PORTAL,
            service_id=service.pk if service else None,
        ),
        refusal=ValidationFailed(
            "no_receiver",
            _("Your request cannot be received online right now; please call the hotline."),
        ),
        actor_user=user,
        receiver_event="portal_receiver",
        files=data.files,
    ).order
    window = 3600
    ratelimit.increment("portal-submit-customer", str(customer.pk), window)
    if data.ip:
        ratelimit.increment("portal-submit-ip", data.ip, window)
    return o


def is_staff_user(user: Actor) -> bool:
    """Whether the login belongs to staff (active or not): they use the console, not the portal."""
    return getattr(user, "staff", None) is not None

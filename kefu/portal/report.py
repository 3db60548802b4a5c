"""Anonymous "report a problem" (R-5, online form): no login, no CAPTCHA.

The reporter gives a name, a phone and/or an e-mail address, a description and optionally a service.
The customer is matched by the normalised phone, then the normalised e-mail (the oldest record not
merged away); nobody matching → a new customer record of the default branch (see
``portal_access.default_branch``). The order goes to the same on-duty receiver as a portal request
(``workorders.receivers.portal_receiver``) with channel ``portal``.

Abuse limit: ``KEFU_PORTAL_REPORT_PER_HOUR_IP`` (default 5) reports per client address and
``KEFU_PORTAL_REPORT_PER_HOUR_ADDRESS`` (default 3) per phone and per e-mail in a fixed one-hour window,
counted only for reports that were accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.channels import actions
from kefu.customers.actions import find_area
from kefu.customers.models import Channel, Customer
from kefu.incidents import actions as incident_actions
from kefu.incidents.models import Incident
from kefu.lib import ratelimit
from kefu.lib.errors import KefuError, TooManyRequests, ValidationFailed, raise_if
from kefu.portal import access as portal_access
from kefu.workorders import actions as wo_actions
from kefu.workorders import receivers
from kefu.workorders.models import WorkOrder

WINDOW = 3600


def per_ip() -> int:
    return int(getattr(settings, "KEFU_PORTAL_REPORT_PER_HOUR_IP", 5))


def per_address() -> int:
    return int(getattr(settings, "KEFU_PORTAL_REPORT_PER_HOUR_ADDRESS", 3))


@dataclass
class Report:
    name: str
    phone: str
    email: str
    description: str
    service_id: int | None = None
    ip: str = ""
    address: str = ""
    incident_id: int | None = None  # "I am reporting the outage in my area" (docs/incidents.md)


def _title(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first[:60] + ("…" if len(first) > 60 else "")


def check_report_rate(ip: str, keys: list[str]) -> None:
    if (ip and ratelimit.count("portal-report-ip", ip) >= per_ip()) or any(
        ratelimit.count("portal-report-address", k) >= per_address() for k in keys
    ):
        raise TooManyRequests(
            "rate_limited",
            _("Too many reports in the last hour. Please wait, or call the hotline if the matter is urgent."),
        )


def _match(*addresses: portal_access.Address | None) -> Customer | None:
    for a in addresses:
        found = portal_access.match_customer(a) if a is not None else None
        if found is not None:
            return found
    return None


@transaction.atomic
def do_anonymous_report(data: Report) -> WorkOrder:
    errors: list[KefuError] = []
    phone = portal_access.parse_address(data.phone) if data.phone.strip() else None
    email = portal_access.parse_address(data.email) if data.email.strip() else None
    if data.phone.strip() and (phone is None or phone.kind != "phone"):
        errors.append(ValidationFailed("invalid_phone", _("Enter a valid phone number."), "phone"))
    if data.email.strip() and (email is None or email.kind != "email"):
        errors.append(ValidationFailed("invalid_email", _("Enter a valid e-mail address."), "email"))
    if not data.phone.strip() and not data.email.strip():
        errors.append(
            ValidationFailed("contact_required", _("Give a phone number or an e-mail address."), "phone")
        )
    if not data.name.strip():
        errors.append(ValidationFailed("required", _("Enter your name."), "name"))
    outage = None
    if data.incident_id:
        outage = Incident.objects.filter(pk=data.incident_id, status="active", public=True).first()
        if outage is None:
            errors.append(
                ValidationFailed("invalid_choice", _("This outage is over or unknown."), "incident")
            )
    if not data.description.strip() and outage is None:
        errors.append(ValidationFailed("required", _("Describe the problem."), "description"))
    service = None
    if data.service_id:
        service = actions.portal_services().filter(pk=data.service_id).first()
        if service is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown service."), "service"))
    raise_if(errors)
    keys = [a.normalized for a in (phone, email) if a is not None]
    check_report_rate(data.ip, keys)
    customer = _match(phone, email)
    if customer is None:
        portal_access.lock_registrations()
        customer = _match(phone, email)
    if customer is None:
        first = phone or email
        assert first is not None
        customer = portal_access.create_portal_customer(
            first, data.name, email=email.normalized if email is not None else ""
        )
    else:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
    order_type = service.order_type if service is not None else "fault_general"
    address = " ".join((data.address or "").split())[:300]
    # the area from the address the reporter gave (else the customer's own area): an emergency crew
    # needs to know where to go (customers.actions.find_area: the longest address keyword wins)
    area = find_area(customer.branch, address) if address else None
    if area is None and outage is not None and outage.branch_id == customer.branch_id:
        area = outage.area  # the reporter said the outage of that area is theirs
    description = data.description.strip()
    if outage is not None and not description:
        description = _("I am affected by the outage: %(title)s") % {"title": outage.title}
    if address:
        description = f"{description}\n\n{_('Address')}: {address}"
    o = receivers.receive_request(
        customer,
        wo_actions.OrderInput(
            order_type=order_type,
            title=_title(description) or _("Problem report"),
            description=description,
            channel=Channel.PORTAL,
            service_id=service.pk if service else None,
            # answered through what they gave here, whatever an older matching record holds
            reply_phone=phone.normalized if phone is not None else "",
            reply_email=email.normalized if email is not None else "",
            area_id=area.pk if area is not None else None,
        ),
        refusal=ValidationFailed(
            "no_receiver", _("Your report cannot be received online right now; please call the hotline.")
        ),
        receiver_event="portal_receiver",
        event_data={"anonymous": True},
    ).order
    if outage is not None:
        incident_actions.attach_customer_report(o, outage.pk)
    if data.ip:
        ratelimit.increment("portal-report-ip", data.ip, WINDOW)
    for k in keys:
        ratelimit.increment("portal-report-address", k, WINDOW)
    return o

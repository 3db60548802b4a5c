"""Portal sign-in without staff help: a one-time link sent to the customer's own e-mail or phone.

How it works
------------
1. :func:`do_request_link` — the customer types an e-mail address or a mobile number (and their name,
   used only if Kefu has no customer with that address). Kefu queues a message through the outbox to
   that very address (e-mail, or SMS for a phone) holding a signed link. The answer is the same
   whether or not a customer has the address, so the page cannot be used to probe the archive; only
   the owner of the address can read the link, which is what proves ownership.
2. :func:`do_use_link` — opening the link shows a confirmation button (so that mail scanners which
   fetch links do not spend it); pressing it logs the customer in: the portal login of the matched
   customer (created if the customer has none), or a new customer record of the default branch
   (``KEFU_PORTAL_DEFAULT_BRANCH``, a branch code; else the first branch by code) when nobody has the
   address.

The link is a :class:`~django.core.signing.TimestampSigner` token (``KEFU_PORTAL_LINK_MINUTES``,
default 30) over the address, the name and a hash of the matched customer's *login state* (customer
id, login id, last login time, password hash, phone, e-mail and contact points). Using it changes
that state (the login is created, or its last login time moves), so a used link no longer verifies:
single use without a table of spent tokens, like Django's password-reset tokens. For the same reason
setting or changing the password, and any change of the customer's phone, e-mail or contact points
(also by staff, in ``customers.actions``), voids every link still out. A link is moreover valid only
while it is the *newest* one sent to its address: the outbox row that carries it is the record of
issue (idempotency key ``portal-link:<sha256 of the token>``), so asking for a new link voids the
older ones, for an address nobody has yet too. An address a customer's record keeps only as
"previous" (a replaced phone or e-mail) no longer signs in to that customer. Requests are limited per
client address and per e-mail/phone (``KEFU_PORTAL_LINK_PER_HOUR_IP`` default 10,
``KEFU_PORTAL_LINK_PER_HOUR_ADDRESS`` default 3), counted whether or not the address is known.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.actions import create_channel_customer
from kefu.channels.models import OutboxChannel, OutboxMessage
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.outbox import sms_templates
from kefu.customers import actions as cust_actions
from kefu.customers import rules as cust_rules
from kefu.customers.models import ContactPoint, Customer
from kefu.lib import clock, ratelimit
from kefu.lib.errors import TooManyRequests, ValidationFailed
from kefu.organization.models import Branch

SALT = "kefu.channels.portal-link"
LINK_KEY_PREFIX = "portal-link:"
PREVIOUS_LABEL = "previous"  # what customers.actions labels a replaced primary phone or e-mail
WINDOW = 3600


def link_minutes() -> int:
    return int(getattr(settings, "KEFU_PORTAL_LINK_MINUTES", 30))


def per_ip() -> int:
    return int(getattr(settings, "KEFU_PORTAL_LINK_PER_HOUR_IP", 10))


def per_address() -> int:
    return int(getattr(settings, "KEFU_PORTAL_LINK_PER_HOUR_ADDRESS", 3))


@dataclass(frozen=True)
class Address:
    kind: str  # "email" | "phone"
    normalized: str


def parse_address(raw: str) -> Address | None:
    """An e-mail address (anything with @) or a phone number, normalised; None if it is neither."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if "@" in raw:
        email = cust_rules.normalize_email(raw)
        local, _sep, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            return None
        return Address("email", email)
    try:
        return Address("phone", cust_rules.normalize_phone(raw))
    except cust_rules.InvalidPhone:
        return None


def match_customer(addr: Address) -> Customer | None:
    """The (oldest, not merged) customer with this normalised phone or e-mail, or None."""
    found = cust_actions.find_duplicates(
        phone_e164=addr.normalized if addr.kind == "phone" else "",
        email=addr.normalized if addr.kind == "email" else "",
    )
    return found[0] if found else None


def signin_customer(addr: Address) -> Customer | None:
    """The customer an address signs in to: the oldest (not merged) with it as primary phone/e-mail
    or as a contact point that is not a replaced ("previous") one; None if nobody has it now."""
    own = Q(phone_e164=addr.normalized) if addr.kind == "phone" else Q(email=addr.normalized)
    points = ContactPoint.objects.filter(kind=addr.kind, normalized=addr.normalized).exclude(
        label=PREVIOUS_LABEL
    )
    return (
        Customer.objects.filter(own | Q(pk__in=points.values("customer_id")), merged_into__isnull=True)
        .select_related("user")
        .order_by("id")
        .first()
    )


def login_state(customer: Customer | None) -> str:
    """A hash of what voids a link: which customer, their login, its last login time (moved by every
    sign-in), its password hash (changed with the password), and the customer's phone, e-mail and
    phone/e-mail contact points (changed by staff's edits of the archive)."""
    if customer is None:
        raw = "none"
    else:
        user = customer.user
        last = user.last_login.isoformat() if user is not None and user.last_login else ""
        password = user.password if user is not None else ""
        contacts = sorted(
            f"{kind}:{normalized}:{label}"
            for kind, normalized, label in ContactPoint.objects.filter(
                customer=customer, kind__in=(ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL)
            ).values_list("kind", "normalized", "label")
        )
        raw = json.dumps(
            [
                customer.pk,
                customer.user_id or "",
                last,
                password,
                customer.phone_e164,
                customer.email,
                contacts,
            ]
        )
    return salted_hmac(SALT, raw).hexdigest()[:24]


def link_key(token: str) -> str:
    """The outbox idempotency key of the message carrying ``token``."""
    return LINK_KEY_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def is_newest_link(addr: Address, token: str) -> bool:
    """Whether ``token`` is the last link queued to ``addr`` (a newer request voids the older links)."""
    newest = (
        OutboxMessage.objects.filter(recipient=addr.normalized, idempotency_key__startswith=LINK_KEY_PREFIX)
        .order_by("-created_at", "-id")
        .values_list("idempotency_key", flat=True)
        .first()
    )
    return newest is not None and newest == link_key(token)


def make_token(addr: Address, name: str, customer: Customer | None) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {
            "k": addr.kind,
            "a": addr.normalized,
            "n": name[:200],
            "s": login_state(customer),
            "r": secrets.token_hex(4),
        },
        compress=True,
    )


def invalid_link() -> ValidationFailed:
    return ValidationFailed(
        "invalid_link",
        _("This sign-in link is not valid any more: it has expired or was already used. Ask for a new one."),
    )


def read_token(token: str) -> dict[str, str]:
    """The token's content if its signature is good and it is not older than the link lifetime."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=link_minutes() * 60)
    except signing.BadSignature:  # includes SignatureExpired
        raise invalid_link() from None
    if not isinstance(data, dict) or data.get("k") not in ("email", "phone") or not data.get("a"):
        raise invalid_link()
    return data


def token_address(token: str) -> str:
    """The normalised address a (valid) link was sent to."""
    return str(read_token(token)["a"])


def peek_link(token: str) -> None:
    """Raise ``invalid_link`` unless the link would sign in now (without spending it)."""
    data = read_token(token)
    addr = Address(data["k"], data["a"])
    if not is_newest_link(addr, token) or login_state(signin_customer(addr)) != data.get("s"):
        raise invalid_link()


def check_link_rate(ip: str, addr: Address | None) -> None:
    too_many = TooManyRequests(
        "rate_limited", _("Too many sign-in requests. Please wait an hour and try again.")
    )
    if ip and ratelimit.count("portal-link-ip", ip) >= per_ip():
        raise too_many
    if addr is not None and ratelimit.count("portal-link-address", addr.normalized) >= per_address():
        raise too_many


@transaction.atomic
def do_request_link(raw_address: str, name: str, ip: str, link_base: str) -> None:
    """Queue a sign-in link to the address (see the module docstring). ``link_base`` is the absolute
    URL the token is appended to. The same outcome whether or not the address is known."""
    addr = parse_address(raw_address)
    check_link_rate(ip, addr)
    if addr is None:
        raise ValidationFailed("invalid_address", _("Enter an e-mail address or a mobile number."), "address")
    ratelimit.increment("portal-link-ip", ip, WINDOW)
    ratelimit.increment("portal-link-address", addr.normalized, WINDOW)
    customer = signin_customer(addr)
    token = make_token(addr, name.strip(), customer)
    url = link_base + token + "/"
    minutes = link_minutes()
    if addr.kind == "email":
        subject = _("Your sign-in link")
        body = _(
            "Open this link within %(minutes)d minutes to sign in to the customer portal:\n\n%(url)s\n\n"
            "The link works once. If you did not ask for it, ignore this message."
        ) % {"minutes": minutes, "url": url}
    else:
        subject = ""
        body = _("Sign in to the customer portal within %(minutes)d minutes: %(url)s") % {
            "minutes": minutes,
            "url": url,
        }
    sms = (
        sms_templates.render_current(SmsTemplateCode.PORTAL_LINK, body, {"url": url, "minutes": minutes})
        if addr.kind != "email"
        else sms_templates.Rendered(body, {})
    )
    outbox.enqueue(
        channel=OutboxChannel.EMAIL if addr.kind == "email" else OutboxChannel.SMS,
        recipient=addr.normalized,
        subject=subject,
        body=sms.body,
        idempotency_key=link_key(token),
        customer=customer,
        template=sms.template,
    )


def default_branch() -> Branch:
    code = getattr(settings, "KEFU_PORTAL_DEFAULT_BRANCH", "")
    branch = Branch.objects.filter(code=code).first() if code else None
    branch = branch or Branch.objects.order_by("code").first()
    if branch is None:
        raise ValidationFailed(
            "no_branch", _("Online registration is not available; please call the hotline.")
        )
    return branch


def lock_registrations() -> None:
    """Serialise self-registrations (rare) on the default branch's row, so that two requests for one
    new address cannot both create a customer; the caller matches the address again afterwards."""
    list(Branch.objects.select_for_update().filter(pk=default_branch().pk).values_list("pk", flat=True))


def create_portal_customer(addr: Address, name: str, *, email: str = "") -> Customer:
    """A new customer record for someone who proved an address nobody in the archive has."""

    name = (name or "").strip()[:200] or addr.normalized
    return create_channel_customer(
        name=name,
        phone=addr.normalized if addr.kind == "phone" else "",
        email=addr.normalized if addr.kind == "email" else email,
        branch=default_branch(),
        summary=_("Customer %(name)s registered on the portal") % {"name": name},
    )


def ensure_portal_user(customer: Customer) -> Any:
    if customer.user is not None:
        return customer.user
    User = get_user_model()
    user = User.objects.create_user(username=f"portal-{customer.number}".lower(), password=None)
    customer.user = user
    customer.save(update_fields=["user"])
    return user


@transaction.atomic
def do_use_link(token: str) -> Any:
    """The login the link stands for (created when needed), with its last login time moved so the
    link cannot be used again. Raises ``invalid_link`` for a bad, expired or used link."""
    data = read_token(token)
    addr = Address(data["k"], data["a"])
    customer = signin_customer(addr)
    if customer is None:
        lock_registrations()
        customer = signin_customer(addr)
    if customer is not None:
        customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    if not is_newest_link(addr, token) or login_state(customer) != data.get("s"):
        raise invalid_link()
    created = customer is None
    if customer is None:
        customer = create_portal_customer(addr, data.get("n", ""))
    user = ensure_portal_user(customer)
    if not user.is_active or getattr(user, "staff", None) is not None:
        raise invalid_link()
    user.last_login = clock.now()
    user.save(update_fields=["last_login"])
    audit.record(
        user,
        "portal.link_login",
        customer,
        customer_id=customer.pk,
        summary=(
            _("Customer %(name)s registered with a sign-in link")
            if created
            else _("Customer %(name)s signed in with a sign-in link")
        )
        % {"name": customer.name},
    )
    return user

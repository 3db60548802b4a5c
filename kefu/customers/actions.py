"""Use cases of the customer archive. Views, API, CLI and jobs call these; nothing else writes.

Lock order (whole project): Customer → WorkOrder (ascending id) → NumberSequence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers import hooks, lookup, rules
from kefu.customers.access import access_customer
from kefu.customers.models import (
    BadRecord,
    Channel,
    Contact,
    ContactPerson,
    ContactPoint,
    Contract,
    Customer,
    CustomerKind,
    CustomerNote,
    Payment,
    Purchase,
    Relationship,
    Subscription,
    TierChoices,
    TierPolicy,
)
from kefu.hotline import actions as hotline_actions
from kefu.hotline.models import SessionVia
from kefu.lib import batch, clock, search
from kefu.lib.errors import Conflict, KefuError, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, ServiceArea, Staff
from kefu.organization.sequences import next_value


@dataclass
class CustomerInput:
    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    kind: str = CustomerKind.PERSON
    relationship: str = Relationship.INDIVIDUAL
    branch_id: int | None = None
    area_id: int | None = None
    customer_since: dt.date | None = None
    extra_phones: list[str] = field(default_factory=list)
    # one of settings.LANGUAGES; empty: the branch's language (a new record) or unchanged (an update)
    language: str = ""


@dataclass
class CleanCustomer:
    name: str
    phone: str
    phone_e164: str
    email: str
    address: str
    kind: str
    relationship: str
    branch: Branch
    area: ServiceArea | None
    customer_since: dt.date
    language: str


def find_area(branch: Branch, address: str) -> ServiceArea | None:
    """The service area whose address keywords occur in ``address`` (longest keyword wins)."""
    best: tuple[int, ServiceArea] | None = None
    for area in ServiceArea.objects.filter(branch=branch).only("id", "address_keywords", "name", "branch_id"):
        for kw in area.keywords():
            if kw and kw in address and (best is None or len(kw) > best[0]):
                best = (len(kw), area)
    return best[1] if best else None


def check_customer_input(staff: Staff, data: CustomerInput) -> CleanCustomer:
    """Validate and normalise; every problem is reported with the field it concerns."""
    errors: list[KefuError] = []
    name = " ".join((data.name or "").split())
    if not name:
        errors.append(ValidationFailed("required", _("Name is required."), "name"))
    elif len(name) > 200:
        errors.append(ValidationFailed("too_long", _("Name is longer than 200 characters."), "name"))
    phone_e164 = ""
    if data.phone.strip():
        try:
            phone_e164 = rules.normalize_phone(data.phone)
        except rules.InvalidPhone:
            errors.append(
                ValidationFailed(
                    "invalid_phone",
                    _("“%(value)s” is not a valid phone number.") % {"value": data.phone},
                    "phone",
                )
            )
    email = rules.normalize_email(data.email)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(
                ValidationFailed(
                    "invalid_email",
                    _("“%(value)s” is not a valid e-mail address.") % {"value": data.email},
                    "email",
                )
            )
    if not phone_e164 and not email and not errors:
        errors.append(
            ValidationFailed("contact_required", _("Give a phone number or an e-mail address."), "phone")
        )
    if data.kind not in CustomerKind.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown customer kind."), "kind"))
    if data.relationship not in Relationship.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown relationship type."), "relationship"))
    branch: Branch | None = None
    branch_id = data.branch_id or staff.branch_id
    if branch_id is None:
        errors.append(ValidationFailed("required", _("Choose a branch."), "branch"))
    else:
        branch = Branch.objects.filter(pk=branch_id).first()
        if branch is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown branch."), "branch"))
        elif not (staff.sees_all_branches or staff.is_hotline) and branch.pk != staff.branch_id:
            errors.append(
                ValidationFailed(
                    "forbidden_branch", _("You can only add customers to your branch."), "branch"
                )
            )
    area: ServiceArea | None = None
    address = " ".join((data.address or "").split())
    if branch is not None:
        if data.area_id:
            area = ServiceArea.objects.filter(pk=data.area_id, branch=branch).first()
            if area is None:
                errors.append(
                    ValidationFailed("invalid_choice", _("The area does not belong to the branch."), "area")
                )
        elif address:
            area = find_area(branch, address)
    since = data.customer_since or clock.localdate()
    if since > clock.localdate():
        errors.append(
            ValidationFailed("future_date", _("“Customer since” cannot be in the future."), "customer_since")
        )
    languages = {code for code, _name in settings.LANGUAGES}
    if data.language and data.language not in languages:
        errors.append(ValidationFailed("invalid_choice", _("Unknown language."), "language"))
    raise_if(errors)
    assert branch is not None
    return CleanCustomer(
        name,
        data.phone.strip(),
        phone_e164,
        email,
        address,
        data.kind,
        data.relationship,
        branch,
        area,
        since,
        data.language or branch.language,
    )


def find_duplicates(phone_e164: str = "", email: str = "", exclude_id: int | None = None) -> list[Customer]:
    """Customers sharing a normalised phone or e-mail (primary or any contact point); a merged record's
    survivor stands for it."""
    cond = Q()
    points = Q()
    if phone_e164:
        cond |= Q(phone_e164=phone_e164)
        points |= Q(kind=ContactPoint.Kind.PHONE, normalized=phone_e164)
    if email:
        cond |= Q(email=email)
        points |= Q(kind=ContactPoint.Kind.EMAIL, normalized=email)
    if not cond:
        return []
    ids = set(Customer.objects.filter(cond).values_list("id", flat=True))
    ids |= set(ContactPoint.objects.filter(points).values_list("customer_id", flat=True))
    # a merged record answers with the record it lives on (kefu.customers.merge)
    for c in Customer.objects.filter(id__in=ids, merged_into__isnull=False) if ids else ():
        ids.add(lookup.survivor_of(c).pk)
    ids.discard(exclude_id)  # type: ignore[arg-type]
    return list(Customer.objects.filter(id__in=ids, merged_into__isnull=True).order_by("id")[:20])


def customer_search_text(c: Customer) -> str:
    parts = [c.number, c.name, c.phone, c.phone_e164, c.phone_e164.removeprefix("+86"), c.email, c.address]
    return search.normalize(" ".join(p for p in parts if p))


def _sync_contact_points(c: Customer) -> None:
    """Only the current primary phone and e-mail are labelled "primary"; a replaced one stays as a
    contact point labelled "previous" (history, and duplicate matching still finds it)."""
    for kind, value, normalized in (
        (ContactPoint.Kind.PHONE, c.phone, c.phone_e164),
        (ContactPoint.Kind.EMAIL, c.email, c.email),
    ):
        ContactPoint.objects.filter(customer=c, kind=kind, label="primary").exclude(
            normalized=normalized
        ).update(label="previous")
        if normalized:
            cp, created = ContactPoint.objects.get_or_create(
                customer=c, kind=kind, normalized=normalized, defaults={"value": value, "label": "primary"}
            )
            if not created and (cp.label, cp.value) != ("primary", value):
                cp.label, cp.value = "primary", value
                cp.save(update_fields=["label", "value"])


@transaction.atomic
def do_create_customer(user: Actor, data: CustomerInput, *, allow_duplicate: bool = False) -> Customer:
    staff = require_staff(user, "customer.create")
    clean = check_customer_input(staff, data)
    if not allow_duplicate:
        dups = find_duplicates(clean.phone_e164, clean.email)
        if dups:
            raise ValidationFailed(
                "duplicate",
                _("A customer with this phone or e-mail already exists: %(list)s")
                % {"list": ", ".join(f"{d.name} ({d.number})" for d in dups[:5])},
                "phone" if clean.phone_e164 else "email",
                duplicates=[d.pk for d in dups],
            )
    now = clock.now()
    c = Customer(
        number=f"KH{next_value('customer'):08d}",
        name=clean.name,
        kind=clean.kind,
        relationship=clean.relationship,
        phone=clean.phone,
        phone_e164=clean.phone_e164,
        email=clean.email,
        address=clean.address,
        branch=clean.branch,
        area=clean.area,
        customer_since=clean.customer_since,
        language=clean.language,
        created_at=now,
        updated_at=now,
    )
    c.search_text = customer_search_text(c)
    c.save()
    search.sync(c)
    _sync_contact_points(c)
    for raw in data.extra_phones:
        add_contact_point(c, ContactPoint.Kind.PHONE, raw)
    audit.record(
        user,
        "customer.create",
        c,
        after=audit.snapshot(c),
        customer_id=c.pk,
        summary=_("Customer %(name)s created") % {"name": c.name},
    )
    if staff.is_hotline:  # the new customer is the one on the hotline agent's line (docs/hotline.md)
        hotline_actions.do_open_session(user, c, SessionVia.CREATED)
    return c


def add_contact_point(c: Customer, kind: str, raw: str, label: str = "") -> ContactPoint:
    if kind == ContactPoint.Kind.PHONE:
        try:
            normalized = rules.normalize_phone(raw)
        except rules.InvalidPhone:
            raise ValidationFailed(
                "invalid_phone", _("“%(value)s” is not a valid phone number.") % {"value": raw}, "phone"
            ) from None
    elif kind == ContactPoint.Kind.EMAIL:
        normalized = rules.normalize_email(raw)
        try:
            validate_email(normalized)
        except DjangoValidationError:
            raise ValidationFailed(
                "invalid_email", _("“%(value)s” is not a valid e-mail address.") % {"value": raw}, "email"
            ) from None
    else:
        normalized = raw.strip()
    cp, _created = ContactPoint.objects.get_or_create(
        customer=c, kind=kind, normalized=normalized, defaults={"value": raw.strip(), "label": label}
    )
    return cp


@transaction.atomic
def do_update_customer(
    user: Actor,
    customer_id: int,
    data: CustomerInput,
    *,
    expected_version: int | None = None,
    allow_duplicate: bool = False,
) -> Customer:

    staff = require_staff(user, "customer.edit")
    c = access_customer(user, customer_id, for_update=True)
    if expected_version is not None and expected_version != c.version:
        raise Conflict(
            "stale",
            _("Someone else changed this customer meanwhile; reload and try again."),
            "version",
            current_version=c.version,
        )
    if data.branch_id is None:
        data.branch_id = c.branch_id
    if data.customer_since is None:
        data.customer_since = c.customer_since
    if not data.language:
        data.language = c.language
    clean = check_customer_input(staff, data)
    if not allow_duplicate:
        dups = find_duplicates(
            clean.phone_e164 if clean.phone_e164 != c.phone_e164 else "",
            clean.email if clean.email != c.email else "",
            exclude_id=c.pk,
        )
        if dups:
            raise ValidationFailed(
                "duplicate",
                _("A customer with this phone or e-mail already exists: %(list)s")
                % {"list": ", ".join(f"{d.name} ({d.number})" for d in dups[:5])},
                "phone",
                duplicates=[d.pk for d in dups],
            )
    before = audit.snapshot(c)
    for name in (
        "name",
        "phone",
        "phone_e164",
        "email",
        "address",
        "kind",
        "relationship",
        "branch",
        "area",
        "customer_since",
        "language",
    ):
        setattr(c, name, getattr(clean, name))
    if not audit.diff(before, audit.snapshot(c))[1]:
        return c  # nothing changed: no write, no new version, no audit record
    c.updated_at = clock.now()
    c.version += 1
    c.search_text = customer_search_text(c)
    c.save()
    search.sync(c)
    _sync_contact_points(c)
    b, a = audit.diff(before, audit.snapshot(c))
    if {"name", "phone", "phone_e164"} & set(a):
        hooks.notify_customer_renamed(c)  # the orders' search text names the customer
    audit.record(user, "customer.update", c, before=b, after=a, customer_id=c.pk)
    return c


# Records attached to a customer that staff add through forms / API. Model → required fields.
RECORD_MODELS: dict[str, type[models.Model]] = {
    "subscription": Subscription,
    "contract": Contract,
    "purchase": Purchase,
    "payment": Payment,
    "bad_record": BadRecord,
    "person": ContactPerson,
}


@transaction.atomic
def do_add_record(user: Actor, customer_id: int, kind: str, values: dict[str, Any]) -> models.Model:
    """Add a subscription, contract, purchase, payment, bad record or contact person.

    ``values`` must already be type-checked (form or API schema); business checks happen here.
    The tier and churn risk are recomputed in the same transaction.
    """

    require_staff(user, "customer.edit")
    c = access_customer(user, customer_id, for_update=True)
    model = RECORD_MODELS.get(kind)
    if model is None:
        raise ValidationFailed("invalid_choice", _("Unknown record kind."), "kind")
    _check_record(kind, values)
    obj = model(customer=c, **values)
    if kind == "subscription":
        obj.created_at = clock.now()  # type: ignore[attr-defined]
    obj.save()
    audit.record(user, f"customer.add_{kind}", obj, after=audit.snapshot(obj), customer_id=c.pk)
    recompute_tier(c)
    return obj


def _check_record(kind: str, v: dict[str, Any]) -> None:
    errors: list[KefuError] = []

    def positive(name: str) -> None:
        value = v.get(name)
        if value is not None and Decimal(value) < 0:
            errors.append(ValidationFailed("negative", _("The amount cannot be negative."), name))

    if kind == "subscription":
        if v.get("expiry_date") and v["expiry_date"] < v["start_date"]:
            errors.append(
                ValidationFailed("date_order", _("Expiry cannot be before the start."), "expiry_date")
            )
        positive("monthly_fee")
    elif kind == "contract":
        if v.get("end_date") and v["end_date"] < v["start_date"]:
            errors.append(
                ValidationFailed("date_order", _("The end cannot be before the start."), "end_date")
            )
        positive("amount")
    elif kind == "purchase":
        positive("unit_price")
        if v.get("quantity", 1) < 1:
            errors.append(ValidationFailed("too_small", _("Quantity must be at least 1."), "quantity"))
    elif kind == "payment":
        positive("amount")
    raise_if(errors)


@transaction.atomic
def do_add_note(user: Actor, customer_id: int, body: str) -> CustomerNote:

    staff = require_staff(user)
    c = access_customer(user, customer_id)
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("required", _("The note is empty."), "body")
    note = CustomerNote.objects.create(customer=c, author=staff, body=text, created_at=clock.now())
    audit.record(user, "customer.note", note, after={"body": text}, customer_id=c.pk)
    return note


@transaction.atomic
def do_override_tier(user: Actor, customer_id: int, tier: str, reason: str) -> Customer:
    """Set (or with an empty tier, clear) a manual tier; a reason is required to set one."""

    require_staff(user, "customer.tier_override")
    c = access_customer(user, customer_id, for_update=True)
    if tier and tier not in TierChoices.values:
        raise ValidationFailed("invalid_choice", _("Unknown tier."), "tier")
    if tier and not reason.strip():
        raise ValidationFailed("reason_required", _("Give a reason for overriding the tier."), "reason")
    before = audit.snapshot(c, ["tier", "tier_override", "tier_override_reason"])
    c.tier_override = tier
    c.tier_override_reason = reason.strip() if tier else ""
    c.tier = tier or c.tier_computed
    c.version += 1
    c.updated_at = clock.now()
    c.save(update_fields=["tier_override", "tier_override_reason", "tier", "version", "updated_at"])
    audit.record(
        user,
        "customer.tier_override",
        c,
        before=before,
        after=audit.snapshot(c, ["tier", "tier_override", "tier_override_reason"]),
        customer_id=c.pk,
    )
    return c


def tier_rule() -> rules.TierRule:
    policy = TierPolicy.objects.first()
    return policy.as_rule() if policy else rules.TierRule()


def archive_facts(c: Customer, today: dt.date | None = None) -> rules.ArchiveFacts:
    """Gather the facts the tier and churn rules need, in a fixed number of queries."""
    today = today or clock.localdate()
    year_ago = today - dt.timedelta(days=365)
    spend_purchases = Purchase.objects.filter(customer=c, purchased_on__gte=year_ago).aggregate(
        n=Count("id"), total=Sum(models.F("unit_price") * models.F("quantity"))
    )
    paid = Payment.objects.filter(customer=c, paid_on__isnull=False).aggregate(
        total12=Sum("amount", filter=Q(paid_on__gte=year_ago)),
        on_time=Count("id", filter=Q(paid_on__lte=models.F("due_date"))),
        late=Count("id", filter=Q(paid_on__gt=models.F("due_date"))),
    )
    unpaid_late = Payment.objects.filter(customer=c, paid_on__isnull=True, due_date__lt=today).count()
    subs = Subscription.objects.filter(customer=c).aggregate(
        active=Count(
            "id", filter=Q(start_date__lte=today) & (Q(expiry_date__isnull=True) | Q(expiry_date__gte=today))
        ),
        expiring=Count(
            "id", filter=Q(expiry_date__gte=today, expiry_date__lte=today + dt.timedelta(days=60))
        ),
        renewals=Count("id", filter=Q(renewed_from__isnull=False, start_date__gte=year_ago)),
    )
    renewed_ids = set(
        Subscription.objects.filter(customer=c, renewed_from__isnull=False).values_list(
            "renewed_from_id", flat=True
        )
    )
    lapsed_not_renewed = (
        Subscription.objects.filter(customer=c, expiry_date__gte=year_ago, expiry_date__lt=today)
        .exclude(id__in=renewed_ids)
        .count()
    )
    orders = hooks.order_facts(c, today)
    spend = (spend_purchases["total"] or Decimal(0)) + (paid["total12"] or Decimal(0))
    return rules.ArchiveFacts(
        today=today,
        customer_since=c.customer_since,
        spend_12m=spend,
        payments_on_time=paid["on_time"],
        payments_late=paid["late"] + unpaid_late,
        bad_records_3y=BadRecord.objects.filter(
            customer=c, recorded_on__gte=today - dt.timedelta(days=3 * 365)
        ).count(),
        purchases_12m=spend_purchases["n"],
        active_subscriptions=subs["active"],
        subscriptions_expiring_60d=subs["expiring"],
        subscriptions_lapsed_12m=lapsed_not_renewed,
        renewals_12m=subs["renewals"],
        complaints_12m=orders.complaints_12m,
        open_orders=orders.open_orders,
        reopened_orders_12m=orders.reopened_orders_12m,
    )


_tier_recompute_deferred: ContextVar[bool] = ContextVar("kefu_tier_recompute_deferred", default=False)


@contextmanager
def deferred_tier_recompute() -> Iterator[None]:
    """Within the block :func:`recompute_tier` does nothing (this thread/task only).

    For bulk loads that add many archive records per customer (the demo data set): each record would
    otherwise recompute the tier from the whole archive only to produce an intermediate value. The
    caller then calls :func:`recompute_tier` for every customer it touched, after the block."""
    token = _tier_recompute_deferred.set(True)
    try:
        yield
    finally:
        _tier_recompute_deferred.reset(token)


def recompute_tier(c: Customer, rule: rules.TierRule | None = None, today: dt.date | None = None) -> Customer:
    """Recompute tier and churn risk from the archive and store them (inside the caller's transaction).

    A change of the tier or of the churn-risk level is written to the service log (R-33). Inside
    :func:`deferred_tier_recompute` nothing is computed and ``c`` is returned as it is."""
    if _tier_recompute_deferred.get():
        return c
    tier, churn = compute_tier(c, rule, today)
    return apply_tier(c, tier, churn)


def compute_tier(
    c: Customer, rule: rules.TierRule | None = None, today: dt.date | None = None
) -> tuple[rules.TierResult, rules.ChurnResult]:
    """The tier and churn risk of ``c`` from the archive (reads only; :func:`apply_tier` stores them)."""
    facts = archive_facts(c, today)
    return rules.compute_tier(facts, rule or tier_rule()), rules.compute_churn_risk(facts)


def apply_tier(c: Customer, tier: rules.TierResult, churn: rules.ChurnResult) -> Customer:
    """Store a tier and churn risk :func:`compute_tier` computed, when they differ (inside the caller's
    transaction); a moved tier or risk level is written to the service log (R-33)."""
    changed = (c.tier_computed, c.tier_score, c.churn_risk, c.churn_score, c.churn_reasons) != (
        tier.tier.value,
        tier.score,
        churn.risk.value,
        churn.score,
        list(churn.reasons),
    )
    if changed:
        logged = ["tier", "tier_computed", "churn_risk"]
        before = audit.snapshot(c, logged)
        c.tier_computed = tier.tier.value
        c.tier_score = tier.score
        c.tier = c.tier_override or c.tier_computed
        c.churn_risk = churn.risk.value
        c.churn_score = churn.score
        c.churn_reasons = list(churn.reasons)
        c.save(
            update_fields=[
                "tier_computed",
                "tier_score",
                "tier",
                "churn_risk",
                "churn_score",
                "churn_reasons",
            ]
        )
        after = audit.snapshot(c, logged)
        if after != before:  # a tier or risk level moved (score-only changes are not logged)
            audit.record(
                None,
                "customer.tier_recomputed",
                c,
                before=before,
                after={**after, "tier_score": c.tier_score, "churn_reasons": c.churn_reasons},
                customer_id=c.pk,
            )
    return c


def record_contact(
    customer: Customer,
    channel: str,
    *,
    staff: Staff | None = None,
    workorder: Any = None,
    direction: str = Contact.Direction.INBOUND,
    summary: str = "",
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Contact:
    """Append a contact to the customer's history (inside the caller's transaction). Inside
    ``kefu.lib.batch.deferred()`` the INSERT joins the action's other writes (the id is set when the batch
    is written)."""
    contact = Contact(
        customer=customer,
        channel=channel,
        staff=staff,
        workorder=workorder,
        direction=direction,
        summary=summary[:2000],
        details=details or {},
        occurred_at=at or clock.now(),
    )
    if not batch.defer_insert([contact]):
        contact.save(force_insert=True)
    return contact


@transaction.atomic
def do_log_contact(
    user: Actor, customer_id: int, channel: str, summary: str, *, direction: str = Contact.Direction.INBOUND
) -> Contact:
    """A staff member records a contact that did not (yet) become a work order (a call, a visit)."""

    staff = require_staff(user, "customer.edit")
    c = access_customer(user, customer_id)
    errors: list[KefuError] = []
    if channel not in Channel.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown channel."), "channel"))
    if direction not in Contact.Direction.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown direction."), "direction"))
    text = (summary or "").strip()
    if not text:
        errors.append(ValidationFailed("required", _("Say what the contact was about."), "summary"))
    elif len(text) > 2000:
        errors.append(
            ValidationFailed("too_long", _("The summary is longer than 2,000 characters."), "summary")
        )
    raise_if(errors)
    contact = record_contact(c, channel, staff=staff, direction=direction, summary=text)
    audit.record(
        user,
        "customer.contact",
        contact,
        after=audit.snapshot(contact, ["channel", "direction", "summary"]),
        customer_id=c.pk,
    )
    return contact


# The standard steps of a service call, in order; the call screen shows them as a checklist.
CALL_STEPS: tuple[str, ...] = ("greet", "rapport", "feeling", "guide", "verify", "close")


@transaction.atomic
def do_log_call(
    user: Actor, customer_id: int, summary: str, *, call_id: str, steps: dict[str, bool]
) -> Contact:
    """Log a phone call as a contact (channel phone) with the R-7 checklist and the CTI call id in
    ``details``. A call is logged once: a second attempt for the same call id is a conflict."""

    staff = require_staff(user, "customer.edit")
    c = access_customer(user, customer_id)
    errors: list[KefuError] = []
    text = (summary or "").strip()
    if not text:
        errors.append(ValidationFailed("required", _("Say what the call was about."), "summary"))
    elif len(text) > 2000:
        errors.append(
            ValidationFailed("too_long", _("The summary is longer than 2,000 characters."), "summary")
        )
    unknown = set(steps) - set(CALL_STEPS)
    if unknown:
        errors.append(ValidationFailed("invalid_choice", _("Unknown call step."), "steps"))
    raise_if(errors)
    if call_id and Contact.objects.filter(channel=Channel.PHONE, details__call_id=call_id).exists():
        raise Conflict("call_logged", _("This call has already been logged."))
    details = {"call_id": call_id, "steps": {s: bool(steps.get(s)) for s in CALL_STEPS}}
    contact = record_contact(c, Channel.PHONE, staff=staff, summary=text, details=details)
    audit.record(
        user,
        "customer.contact",
        contact,
        after={**audit.snapshot(contact, ["channel", "direction", "summary"]), "details": details},
        customer_id=c.pk,
    )
    return contact

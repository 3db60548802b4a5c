"""Incident use cases (一事多报, docs/incidents.md): the only writers of incidents, their co-handling
units, their children, messages and deliveries.

Orders are reached only through ``kefu.workorders.actions`` (replies, status changes, notes): the message
to the reporters is one ``do_reply`` per reporter (the reply checks, the first response, the outbox row of
the reporter's channel and language), the children are closed by ``do_transition`` one by one (each through
the same rules and guards). The follow-up of a child outside the sample is waived through the
``workorders.hooks`` follow-up waiver registered in ``apps.py``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.actions import create_channel_customer
from kefu.customers import lookup
from kefu.customers import rules as customer_rules
from kefu.customers.models import Channel, Customer
from kefu.incidents import rules
from kefu.incidents.models import (
    Incident,
    IncidentDelivery,
    IncidentKind,
    IncidentMessage,
    IncidentOrder,
    IncidentStatus,
    IncidentUnit,
)
from kefu.lib import clock
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import Conflict, KefuError, NotFound, PermissionDenied, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Department, ServiceArea, Staff
from kefu.workorders import actions as wo_actions
from kefu.workorders import receivers
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import access_workorder
from kefu.workorders.models import TimelineEntry, WorkOrder

ACTIVE = IncidentStatus.ACTIVE
OPEN_ORDER = sorted(s.value for s in wo_rules.OPEN_STATUSES)
MAX_ATTACH = 500  # orders attached in one request

# the children resolved without a follow-up call of their own while an incident is being resolved
_WAIVED: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "incident_waived", default=frozenset()
)


def sample_size() -> int:
    """How many reporters of an incident are called back after its resolution (the follow-up sample)."""
    return max(0, int(getattr(settings, "KEFU_INCIDENT_FOLLOWUP_SAMPLE", 5)))


def suggest_window() -> dt.timedelta:
    """How long before an incident started a report may still be one of its reports."""
    return dt.timedelta(hours=max(0, int(getattr(settings, "KEFU_INCIDENT_SUGGEST_HOURS", 24))))


def followup_waiver(order: WorkOrder) -> str:
    """The ``workorders.hooks`` follow-up waiver: a child closed as covered by its incident."""
    return "incident" if order.pk in _WAIVED.get() else ""


# --- access --------------------------------------------------------------------------------------------------


def visible_incidents(staff: Staff) -> QuerySet[Incident]:
    """Incidents of the staff member's branch (every branch for company-level staff)."""
    qs = Incident.objects.all()
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(branch_id=staff.branch_id)


def may_manage(staff: Staff) -> bool:
    """Who creates incidents and attaches reports: those who may link orders (agents, supervisors)."""
    return staff.can("order.link")


def access_incident(user: Actor, pk: int | str, *, for_update: bool = False) -> Incident:
    staff = require_staff(user)
    qs = visible_incidents(staff).select_related("branch", "area", "service", "owner_unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(pk))
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Incident not found."), "incident") from None


def _manager(user: Actor) -> Staff:
    staff = require_staff(user)
    if not may_manage(staff):
        raise PermissionDenied("forbidden", _("Your role does not allow managing incidents."), "incident")
    return staff


def _active(inc: Incident) -> None:
    if not inc.is_active:
        raise Conflict("resolved", _("This incident is resolved already."), "incident")


# --- create and change -----------------------------------------------------------------------------------------


@dataclass
class IncidentInput:
    title: str
    owner_unit_id: int | None
    started_at: dt.datetime | None = None
    kind: str = IncidentKind.OUTAGE
    service_id: int | None = None
    area_id: int | None = None
    address_range: str = ""
    cause: str = ""
    estimated_end_at: dt.datetime | None = None
    public: bool = True
    branch_id: int | None = None
    # the public texts in other languages: language → {"title"|"address_range"|"cause": text}; None keeps them
    translations: dict[str, dict[str, str]] | None = None


FIELDS = [
    "title",
    "kind",
    "service",
    "area",
    "address_range",
    "cause",
    "started_at",
    "estimated_end_at",
    "public",
    "owner_unit",
    "translations",
]
TRANSLATED = {"title": 200, "address_range": 300, "cause": 5000}  # the public texts, with their longest value


def _clean(staff: Staff, data: IncidentInput, branch_id: int | None) -> dict[str, Any]:
    errors: list[KefuError] = []
    title = (data.title or "").strip()
    if not title:
        errors.append(ValidationFailed("required", _("Give the incident a title."), "title"))
    elif len(title) > 200:
        errors.append(ValidationFailed("too_long", _("The title is longer than 200 characters."), "title"))
    if data.kind not in IncidentKind.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown incident type."), "kind"))
    if branch_id is None:
        branch_id = staff.branch_id
    branch = Branch.objects.filter(pk=branch_id).first() if branch_id else None
    if branch is None:
        errors.append(ValidationFailed("required", _("Choose the branch."), "branch"))
    elif not (staff.sees_all_branches or staff.branch_id is None or staff.branch_id == branch.pk):
        errors.append(ValidationFailed("other_branch", _("This branch is not yours."), "branch"))
    area = None
    if data.area_id:
        area = ServiceArea.objects.filter(pk=data.area_id).first()
        if area is None or (branch is not None and area.branch_id != branch.pk):
            errors.append(
                ValidationFailed("invalid_choice", _("Choose a service area of the branch."), "area")
            )
    unit = Department.objects.filter(pk=data.owner_unit_id).first() if data.owner_unit_id else None
    if unit is None:
        errors.append(ValidationFailed("required", _("Choose the owner unit (主办)."), "owner_unit"))
    service = None
    if data.service_id:
        service = wo_actions.hooks.commitments().active_service(int(data.service_id))
        if service is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown service."), "service"))
    started = data.started_at or clock.now()
    if started.tzinfo is None:
        errors.append(ValidationFailed("invalid", _("Give the time with its time zone."), "started_at"))
    end = data.estimated_end_at
    if end is not None and end.tzinfo is None:
        errors.append(ValidationFailed("invalid", _("Give the time with its time zone."), "estimated_end_at"))
    elif end is not None and started.tzinfo is not None and end <= started:
        errors.append(
            ValidationFailed(
                "end_before_start", _("The estimated end is before the start."), "estimated_end_at"
            )
        )
    if len(data.address_range or "") > 300:
        errors.append(ValidationFailed("too_long", _("The address range is too long."), "address_range"))
    if len(data.cause or "") > 5000:
        errors.append(ValidationFailed("too_long", _("The cause is too long."), "cause"))
    translations: dict[str, Any] = {}
    for lang, values in (data.translations or {}).items():
        if lang not in content_languages():
            errors.append(
                ValidationFailed("invalid_choice", _("Unknown language %(code)s.") % {"code": lang}, "title")
            )
            continue
        for name, text in (values or {}).items():
            limit = TRANSLATED.get(name)
            if limit is None:
                continue
            if len(text or "") > limit:
                errors.append(
                    ValidationFailed(
                        "too_long",
                        _("%(field)s is at most %(n)d characters.")
                        % {"field": f"{name} ({lang})", "n": limit},
                        f"{name}__{lang}",
                    )
                )
            value = (text or "").strip() if name == "cause" else " ".join((text or "").split())
            translations = with_translation(translations, lang, name, value)
    raise_if(errors)
    # stored in UTC: PostgreSQL refuses offsets beyond ±15:59 that RFC 3339 allows
    started = started.astimezone(dt.UTC)
    end = end.astimezone(dt.UTC) if end is not None else None
    return {
        "title": title,
        "kind": data.kind,
        "service": service,
        "branch": branch,
        "area": area,
        "address_range": " ".join((data.address_range or "").split()),
        "cause": (data.cause or "").strip(),
        "started_at": started,
        "estimated_end_at": end,
        "public": bool(data.public),
        "owner_unit": unit,
        **({"translations": translations} if data.translations is not None else {}),
    }


@transaction.atomic
def do_create_incident(user: Actor, data: IncidentInput) -> Incident:
    staff = _manager(user)
    fields = _clean(staff, data, data.branch_id)
    now = clock.now()
    inc = Incident.objects.create(**fields, created_by=staff, created_at=now, updated_at=now)
    audit.record(user, "incident.create", inc, after=audit.snapshot(inc, FIELDS), summary=inc.title[:200])
    return inc


@transaction.atomic
def do_update_incident(user: Actor, pk: int | str, data: IncidentInput) -> Incident:
    staff = _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    fields = _clean(staff, data, inc.branch_id)
    before = audit.snapshot(inc, FIELDS)
    for k, v in fields.items():
        setattr(inc, k, v)
    inc.updated_at = clock.now()
    inc.save()
    b, a = audit.diff(before, audit.snapshot(inc, FIELDS))
    if a:
        audit.record(user, "incident.update", inc, before=b, after=a, summary=inc.title[:200])
    return inc


# --- co-handling units (协办) ---------------------------------------------------------------------------------


@transaction.atomic
def do_add_unit(
    user: Actor, pk: int | str, department_id: int | None, task: str, due_at: dt.datetime | None
) -> IncidentUnit:
    _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    errors: list[KefuError] = []
    dept = Department.objects.filter(pk=department_id).first() if department_id else None
    if dept is None:
        errors.append(ValidationFailed("required", _("Choose the co-handling unit."), "department"))
    elif dept.pk == inc.owner_unit_id:
        errors.append(ValidationFailed("owner_unit", _("This is the owner unit already."), "department"))
    elif inc.units.filter(department=dept).exists():
        errors.append(ValidationFailed("duplicate", _("This unit is co-handling already."), "department"))
    text = (task or "").strip()
    if not text:
        errors.append(ValidationFailed("required", _("Describe the unit's task."), "task"))
    elif len(text) > 2000:
        errors.append(ValidationFailed("too_long", _("The task is too long."), "task"))
    if due_at is None:
        errors.append(ValidationFailed("required", _("Give the deadline."), "due_at"))
    raise_if(errors)
    assert dept is not None and due_at is not None
    due_at = due_at.astimezone(dt.UTC)
    unit = IncidentUnit.objects.create(
        incident=inc, department=dept, task=text, due_at=due_at, created_at=clock.now()
    )
    audit.record(
        user,
        "incident.unit_add",
        unit,
        after={"incident": inc.pk, "unit": dept.name, "task": text, "due_at": due_at.isoformat()},
        summary=f"{inc.number} {dept.name}",
    )
    return unit


@transaction.atomic
def do_unit_done(user: Actor, unit_id: int | str, note: str) -> IncidentUnit:
    """A co-handling unit reports its task done: a member of that unit, or whoever manages incidents."""
    staff = require_staff(user)
    unit = (
        IncidentUnit.objects.select_for_update(of=("self",))
        .select_related("incident", "department")
        .filter(pk=int(unit_id), incident__in=visible_incidents(staff))
        .first()
    )
    if unit is None:
        raise NotFound("not_found", _("Co-handling task not found."), "unit")
    if not (may_manage(staff) or staff.department_id == unit.department_id):
        raise PermissionDenied(
            "forbidden", _("Only the unit itself or the incident's managers can do this."), "unit"
        )
    if unit.status == IncidentUnit.Status.DONE:
        raise Conflict("done", _("This task is done already."), "unit")
    text = (note or "").strip()
    if not text:
        raise ValidationFailed("required", _("Say what was done."), "note")
    unit.status, unit.done_at, unit.done_by, unit.done_note = (
        IncidentUnit.Status.DONE,
        clock.now(),
        staff,
        text[:2000],
    )
    unit.save(update_fields=["status", "done_at", "done_by", "done_note"])
    audit.record(
        user,
        "incident.unit_done",
        unit,
        after={"status": "done", "note": unit.done_note},
        summary=unit.incident.number,
    )
    return unit


# --- children ----------------------------------------------------------------------------------------------


def _note(o: WorkOrder, staff: Staff | None, inc: Incident, text: str, event: str, now: dt.datetime) -> None:
    wo_actions.add_entry(
        o,
        TimelineEntry.Kind.NOTE,
        staff=staff,
        body=text,
        data={"event": event, "incident": inc.pk},
        at=now,
    )


def _refresh_lead(inc: Incident) -> None:
    rows = list(IncidentOrder.objects.filter(incident=inc).values_list("pk", "workorder__received_at"))
    lead = rules.lead(rows)
    stale = IncidentOrder.objects.filter(incident=inc, lead=True)
    if lead is not None:
        stale = stale.exclude(pk=lead)
    stale.update(lead=False)
    if lead is not None:
        IncidentOrder.objects.filter(pk=lead, lead=False).update(lead=True)


def _attach(
    inc: Incident, o: WorkOrder, staff: Staff | None, source: str, user: Actor | None, now: dt.datetime
) -> IncidentOrder:
    if o.branch_id != inc.branch_id:
        raise ValidationFailed(
            "other_branch",
            _("%(number)s belongs to another branch than the incident.") % {"number": o.number},
            "orders",
        )
    if o.status == wo_rules.Status.CLOSED or o.merged_into_id:
        raise ValidationFailed("closed", _("%(number)s is closed already.") % {"number": o.number}, "orders")
    existing = IncidentOrder.objects.filter(workorder=o).select_related("incident").first()
    if existing is not None:
        if existing.incident_id == inc.pk:
            return existing
        raise ValidationFailed(
            "other_incident",
            _("%(number)s belongs to incident %(incident)s already.")
            % {"number": o.number, "incident": existing.incident.number},
            "orders",
        )
    link = IncidentOrder.objects.create(
        incident=inc, workorder=o, source=source, attached_by=staff, attached_at=now
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Attached to incident %(number)s: %(title)s") % {"number": inc.number, "title": inc.title}
    _note(o, staff, inc, text, "incident_attached", now)
    audit.record(
        user,
        "incident.attach",
        link,
        after={"incident": inc.pk, "order": o.number, "source": source},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} → {inc.number}",
    )
    return link


@transaction.atomic
def do_attach(
    user: Actor, pk: int | str, order_keys: Sequence[int | str], *, source: str = IncidentOrder.Source.AGENT
) -> list[IncidentOrder]:
    """Attach orders (ids or numbers) to the incident; an order attached to it already is left as it is."""
    staff = _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    if source not in (IncidentOrder.Source.AGENT, IncidentOrder.Source.SUGGESTION):
        raise ValidationFailed("invalid_choice", _("Unknown source."), "source")
    keys = [k for k in dict.fromkeys(str(k).strip() for k in order_keys) if k]
    if not keys:
        raise ValidationFailed("required", _("Choose the orders to attach."), "orders")
    if len(keys) > MAX_ATTACH:
        raise ValidationFailed(
            "too_many", _("Attach at most %(n)d orders at once.") % {"n": MAX_ATTACH}, "orders"
        )
    now = clock.now()
    links = []
    for key in keys:
        try:
            o = access_workorder(user, key, for_update=True)
        except NotFound:
            raise NotFound("not_found", _("Work order %(key)s not found.") % {"key": key}, "orders") from None
        links.append(_attach(inc, o, staff, source, user, now))
    _refresh_lead(inc)
    Incident.objects.filter(pk=inc.pk).update(updated_at=now)
    return links


@transaction.atomic
def do_detach(user: Actor, pk: int | str, order_key: int | str) -> None:
    staff = _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    o = access_workorder(user, order_key, for_update=True)
    link = IncidentOrder.objects.filter(incident=inc, workorder=o).first()
    if link is None:
        raise NotFound("not_attached", _("This order is not attached to the incident."), "order")
    link.delete()
    now = clock.now()
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Detached from incident %(number)s") % {"number": inc.number}
    _note(o, staff, inc, text, "incident_detached", now)
    audit.record(
        user,
        "incident.detach",
        inc,
        after={"order": o.number},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} ✕ {inc.number}",
    )
    _refresh_lead(inc)


def active_public(branch_id: int | None, area_id: int | None) -> list[Incident]:
    """The active public incidents a caller of ``area_id`` (in ``branch_id``) is shown: the area's own and
    the branch-wide ones; every active public incident when nothing is known of the caller."""
    qs = Incident.objects.filter(status=ACTIVE, public=True).select_related("area", "branch")
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    if area_id is not None:
        qs = qs.filter(Q(area__isnull=True) | Q(area_id=area_id))
    return list(qs.order_by("-started_at", "-id")[:20])


def attach_customer_report(o: WorkOrder, incident_id: int | str | None) -> IncidentOrder | None:
    """The caller chose "I am calling about the outage in my area" (portal report form, IVR): the new order
    ``o`` joins the incident, inside the caller's transaction. Only an active public incident of the order's
    branch that covers the order's (else the customer's) area."""
    if incident_id in (None, ""):
        return None
    try:
        inc = Incident.objects.select_for_update().get(pk=int(incident_id), status=ACTIVE, public=True)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise ValidationFailed("invalid_choice", _("This outage is over or unknown."), "incident") from None
    area_id = o.area_id or o.customer.area_id
    # an unknown area (a new caller without an address) is taken at the caller's word
    if inc.branch_id != o.branch_id or (area_id is not None and not rules.covers_area(inc.area_id, area_id)):
        raise ValidationFailed("invalid_choice", _("This outage is not in your area."), "incident")
    link = _attach(inc, o, None, IncidentOrder.Source.CUSTOMER, None, clock.now())
    _refresh_lead(inc)
    return link


@dataclass
class PhoneReport:
    phone: str
    text: str = ""
    name: str = ""


@transaction.atomic
def do_phone_report(incident_id: int | str, data: PhoneReport) -> WorkOrder:
    """The IVR's "I am calling about the outage in my area": an order for the caller (matched by phone, else
    a new record of the incident's branch) received by the on-duty receiver, attached to the incident."""
    try:
        phone = customer_rules.normalize_phone(data.phone)
    except customer_rules.InvalidPhone:
        raise ValidationFailed("invalid_phone", _("Enter a valid phone number."), "phone") from None
    inc = (
        Incident.objects.filter(pk=int(incident_id), status=ACTIVE, public=True)
        .select_related("branch")
        .first()
    )
    if inc is None:
        raise NotFound("not_found", _("This outage is over or unknown."), "incident")
    customer = lookup.customer_for_phone(phone)
    if customer is None:
        customer = create_channel_customer(
            name=(data.name or "").strip()[:100] or _("Caller %(phone)s") % {"phone": phone},
            branch=inc.branch,
            summary=f"IVR {inc.number}",
            phone=phone,
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    text = (data.text or "").strip()[:2000]
    with translation.override(customer.language_code):
        title = _("Reported outage: %(title)s") % {"title": inc.title}
        description = text or _("The caller chose the outage in their area on the hotline menu.")
    o = receivers.receive_request(
        customer,
        wo_actions.OrderInput(
            order_type="fault_general",
            title=title[:200],
            description=description,
            channel=Channel.PHONE,
            service_id=inc.service_id,
            area_id=inc.area_id or customer.area_id,
        ),
        refusal=ValidationFailed("no_receiver", _("Nobody can receive the report right now."), "incident"),
        receiver_event="portal_receiver",
        event_data={"ivr": inc.number},
    ).order
    attach_customer_report(o, inc.pk)
    return o


@transaction.atomic
def do_call_report(user: Actor, incident_id: int | str, customer_id: int) -> WorkOrder:
    """On the call screen the agent records "the caller is calling about this outage": a phone order of the
    caller, taken by the agent, attached to the incident (the caller chose it)."""
    staff = require_staff(user, "order.create")
    inc = access_incident(user, incident_id, for_update=True)
    _active(inc)
    customer = Customer.objects.filter(pk=customer_id).select_related("branch").first()
    if customer is None:
        raise NotFound("not_found", _("Customer not found."), "customer")
    with translation.override(customer.language_code):
        title = _("Reported outage: %(title)s") % {"title": inc.title}
        description = _("The caller is calling about the outage in their area.")
    o = wo_actions.do_create_order(
        user,
        customer.pk,
        wo_actions.OrderInput(
            order_type="fault_general",
            title=title[:200],
            description=description,
            channel=Channel.PHONE,
            service_id=inc.service_id,
            area_id=inc.area_id or customer.area_id,
        ),
    )
    _attach(inc, o, staff, IncidentOrder.Source.CUSTOMER, user, clock.now())
    _refresh_lead(inc)
    return o


# --- suggestions ---------------------------------------------------------------------------------------------


def incident_facts(inc: Incident) -> rules.IncidentFacts:
    return rules.IncidentFacts(
        incident_id=inc.pk,
        branch_id=inc.branch_id,
        area_id=inc.area_id,
        service_id=inc.service_id,
        started_at=inc.started_at,
        resolved_at=inc.resolved_at,
        text=f"{inc.title} {inc.get_kind_display()} {inc.address_range}",
    )


def report_facts(o: WorkOrder) -> rules.ReportFacts:
    return rules.ReportFacts(
        branch_id=o.branch_id,
        area_id=o.area_id,
        service_id=o.service_id,
        received_at=o.received_at,
        text=f"{o.title} {o.description}",
    )


def suggested_orders(inc: Incident, limit: int = 200) -> list[tuple[WorkOrder, float]]:
    """Open reports of the incident's branch (and area) not attached anywhere that look like it, best first."""
    window = suggest_window()
    qs = WorkOrder.objects.filter(
        branch_id=inc.branch_id,
        status__in=OPEN_ORDER,
        merged_into__isnull=True,
        incident_link__isnull=True,
        received_at__gte=inc.started_at - window,
    )
    if inc.area_id is not None:
        qs = qs.filter(area_id=inc.area_id)
    rows = list(qs.select_related("customer").order_by("received_at", "id")[:2000])
    facts = incident_facts(inc)
    found = [(o, s) for o in rows if (s := rules.score(report_facts(o), facts, window)) is not None]
    found.sort(key=lambda p: (-p[1], p[0].received_at, p[0].pk))
    return found[:limit]


ORDER_INCIDENTS = 20  # the newest incidents the order page weighs


def order_incidents(
    o: WorkOrder, rows: list[Incident] | None = None
) -> tuple[Incident | None, list[tuple[Incident, float]]]:
    """For the order page, in one statement (none when ``rows``, each with ``mine``, were read with the
    order: ``panels.incident_rows``): the incident the order belongs to, else the active incidents it may
    belong to (best first)."""
    if rows is None:
        mine = Exists(IncidentOrder.objects.filter(incident=OuterRef("pk"), workorder_id=o.pk))
        rows = list(
            Incident.objects.filter(
                Q(mine)
                | (Q(status=ACTIVE, branch_id=o.branch_id) & (Q(area__isnull=True) | Q(area_id=o.area_id)))
            )
            .annotate(mine=mine)
            .order_by("-started_at", "-id")[:ORDER_INCIDENTS]
        )
    for inc in rows:
        if inc.mine:  # type: ignore[attr-defined]
            return inc, []
    report = report_facts(o)
    window = suggest_window()
    by_id = {i.pk: i for i in rows}
    return None, [(by_id[i], s) for i, s in rules.rank(report, [incident_facts(i) for i in rows], window)]


# --- messages to every reporter -------------------------------------------------------------------------------


def _channel_for(o: WorkOrder) -> str:
    """The reporter's own channel when they can be reached on it, else SMS, e-mail or the portal; "" when
    nothing written reaches them (a landline caller: the incident page lists them for a call)."""
    reachable = wo_actions.reply_channels(o)
    default = wo_rules.default_reply_channel(o.channel, reachable)
    if default is not None and default is not wo_rules.ReplyChannel.WECOM:
        return default.value
    for c in (wo_rules.ReplyChannel.SMS, wo_rules.ReplyChannel.EMAIL, wo_rules.ReplyChannel.PORTAL):
        if c in reachable:
            return c.value
    return ""


def message_text(inc: Incident, kind: str, body: str, language: str) -> str:
    """The message as one reporter reads it: the frame and the incident's title in their language (the title
    falls back to the Simplified Chinese one), the staff's text as written."""
    tz = zoneinfo.ZoneInfo(inc.branch.time_zone or settings.TIME_ZONE)
    title = inc.tr("title", language)
    with translation.override(language):
        if kind == IncidentMessage.Kind.RESOLUTION:
            head = _("Resolved: %(title)s") % {"title": title}
        else:
            head = _("Update on %(title)s") % {"title": title}
        lines = [head, body.strip()]
        if kind == IncidentMessage.Kind.UPDATE and inc.estimated_end_at is not None:
            lines.append(
                _("Expected to be over by %(time)s.")
                % {"time": inc.estimated_end_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")}
            )
    return "\n".join(lines)


def _key(kind: str, body: str, key: str) -> str:
    key = (key or "").strip()
    if kind == IncidentMessage.Kind.RESOLUTION:
        return "resolution"
    if key:
        return f"update:{key[:60]}"
    # no key given: the same text is the same message (a double click, a retried request)
    return "update:" + hashlib.sha256(body.strip().encode()).hexdigest()[:32]


def _reporters(inc: Incident) -> list[WorkOrder]:
    """One order per reporter: the customer's earliest attached report."""
    seen: set[int] = set()
    out = []
    for link in inc.children.select_related("workorder__customer__branch").order_by(
        "workorder__received_at", "id"
    ):
        o = link.workorder
        if o.customer_id not in seen:
            seen.add(o.customer_id)
            out.append(o)
    return out


@dataclass
class Sent:
    message: IncidentMessage
    created: bool  # a new message (False: the same key was sent before)
    delivered: int  # new deliveries written now
    unreachable: list[str]  # order numbers of reporters nothing written reaches


def _send(user: Actor, staff: Staff, inc: Incident, kind: str, body: str, key: str) -> Sent:
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("required", _("Write the message."), "body")
    if len(text) > 2000:
        raise ValidationFailed("too_long", _("The message is longer than 2,000 characters."), "body")
    if not staff.can("order.reply"):
        raise PermissionDenied("forbidden", _("Your role does not allow replies to customers."), "body")
    now = clock.now()
    k = _key(kind, text, key)
    msg = IncidentMessage.objects.filter(incident=inc, key=k).first()
    created = msg is None
    if msg is None:
        try:
            with transaction.atomic():
                msg = IncidentMessage.objects.create(
                    incident=inc, kind=kind, key=k, body=text, sent_by=staff, sent_at=now
                )
        except IntegrityError:
            msg = IncidentMessage.objects.get(incident=inc, key=k)
            created = False
    done = set(IncidentDelivery.objects.filter(message=msg).values_list("customer_id", flat=True))
    delivered, unreachable = 0, []
    for o in _reporters(inc):
        if o.customer_id in done:
            continue
        channel = _channel_for(o)
        entry_id, outbox_key = None, ""
        if channel:
            entry = wo_actions.do_reply(
                user,
                o.pk,
                message_text(inc, kind, msg.body, o.customer.language_code),
                channel=channel,
                source="incident",
            )
            entry_id, outbox_key = entry.pk, str((entry.data or {}).get("outbox", ""))
        else:
            unreachable.append(o.number)
        IncidentDelivery.objects.create(
            message=msg,
            customer_id=o.customer_id,
            workorder=o,
            channel=channel,
            entry_id=entry_id,
            outbox_key=outbox_key,
        )
        delivered += 1
    if created or delivered:
        audit.record(
            user,
            "incident.message",
            msg,
            after={"incident": inc.pk, "kind": kind, "body": msg.body, "delivered": delivered},
            summary=f"{inc.number} ({delivered})",
        )
    return Sent(msg, created, delivered, unreachable)


@transaction.atomic
def do_send_update(user: Actor, pk: int | str, body: str, *, key: str = "") -> Sent:
    """One update to every reporter on their own channel, in their language. Idempotent: the same ``key``
    (by default the same text) is sent to each reporter once; reporters attached since get it on a resend."""
    staff = _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    return _send(user, staff, inc, IncidentMessage.Kind.UPDATE, body, key)


@dataclass
class Resolved:
    sent: Sent
    closed: list[str]  # closed as covered by the incident
    sampled: list[str]  # resolved, waiting for their follow-up call
    refused: list[tuple[str, str]]  # (number, why) could not be closed together


@transaction.atomic
def do_resolve(user: Actor, pk: int | str, resolution: str, message: str = "") -> Resolved:
    """Resolve the incident: one resolution message to every reporter, then each open child resolved (and,
    outside the follow-up sample, closed as covered by the incident) through ``do_transition`` — each through
    the same rules and guards; a child they refuse stays as it is and is listed with the reason."""
    staff = _manager(user)
    inc = access_incident(user, pk, for_update=True)
    _active(inc)
    text = (resolution or "").strip()
    if not text:
        raise ValidationFailed("required", _("Describe how the incident was resolved."), "resolution")
    sent = _send(user, staff, inc, IncidentMessage.Kind.RESOLUTION, (message or text), "")
    now = clock.now()
    links = list(inc.children.select_related("workorder").order_by("workorder__received_at", "id"))
    pending = [lk.workorder_id for lk in links if lk.workorder.status != wo_rules.Status.CLOSED]
    sample = rules.follow_up_sample(pending, sample_size(), seed=inc.pk)
    token = _WAIVED.set(frozenset(pending) - sample)
    closed, sampled, refused = [], [], []
    try:
        for lk in links:
            o = lk.workorder
            if o.pk not in pending:
                continue
            lk.followup_sample = o.pk in sample
            try:
                with transaction.atomic():
                    if wo_rules.is_open(o.status):
                        o = wo_actions.do_transition(user, o.pk, wo_rules.Status.RESOLVED, resolution=text)
                    if not lk.followup_sample and o.status == wo_rules.Status.RESOLVED:
                        wo_actions.do_transition(user, o.pk, wo_rules.Status.CLOSED)
                        lk.covered = True
                        closed.append(o.number)
                    elif lk.followup_sample:
                        sampled.append(o.number)
                lk.close_error = ""
            except KefuError as exc:
                lk.close_error = str(exc.message)[:300]
                refused.append((o.number, lk.close_error))
            lk.save(update_fields=["followup_sample", "covered", "close_error"])
    finally:
        _WAIVED.reset(token)
    before = audit.snapshot(inc, ["status", "resolution", "resolved_at"])
    inc.status, inc.resolution, inc.resolved_at, inc.updated_at = IncidentStatus.RESOLVED, text, now, now
    inc.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    audit.record(
        user,
        "incident.resolve",
        inc,
        before=before,
        after={
            **audit.snapshot(inc, ["status", "resolution", "resolved_at"]),
            "closed": len(closed),
            "sampled": len(sampled),
            "refused": len(refused),
        },
        summary=inc.number,
    )
    return Resolved(sent, closed, sampled, refused)


def branch_units(inc: Incident) -> QuerySet[Department]:
    return Department.objects.filter(branch_id=inc.branch_id).order_by("name")


def delivery_stats(inc: Incident) -> dict[int, dict[str, int]]:
    """Per message: deliveries by channel ("" = not reachable)."""
    out: dict[int, dict[str, int]] = {}
    for mid, ch in IncidentDelivery.objects.filter(message__incident=inc).values_list(
        "message_id", "channel"
    ):
        out.setdefault(mid, {}).setdefault(ch, 0)
        out[mid][ch] += 1
    return out


def iter_numbers(raw: str) -> Iterable[str]:
    """Order numbers typed or pasted into a field (commas, spaces, new lines)."""
    for part in raw.replace(",", " ").replace("，", " ").split():
        yield part.strip()

"""Use cases of safety-check campaigns (R-18), rules in ``rules_campaigns``:

* :func:`do_create_campaign` — a supervisor sets up a campaign for areas of their branch; every household
  (customer) of the areas becomes a pending row; the notice has a text per language (the Simplified Chinese
  one required), each household gets it in its customer's language (docs/adr/0008-content-translations.md);
* :func:`do_plan_batch` — the next ``batch_size`` households get a proactive work order (the ordinary order
  creation, so clocks and audit apply), an appointment (source campaign) on a working day of the branch
  calendar within the technicians' daily capacity, and a notice through the outbox (SMS to a mobile, else
  a printed letter) under an idempotency key; the campaign row is locked, so two workers never plan the
  same household twice;
* :func:`reconcile` — appointments that ended (done, missed because the customer was not at home,
  cancelled) move their household on by the repeat rules (periodic job and before every batch);
* :func:`do_record_refusal` — the customer refused the check: recorded with the reason, no repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.models import MessageClass, OutboxChannel
from kefu.commitments import rules as cal_rules
from kefu.commitments.clocks import calendar_for_branch
from kefu.commitments.models import Service
from kefu.customers.models import Customer
from kefu.fieldservice import rules_campaigns as rules
from kefu.fieldservice.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Campaign,
    CampaignHousehold,
    CampaignVisit,
    HouseholdStatus,
    MissedReason,
)
from kefu.lib import clock
from kefu.lib.content_i18n import SOURCE_LANGUAGE, content_languages, normalise, translated, with_translation
from kefu.lib.errors import KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Company, ServiceArea, Staff
from kefu.organization.rules import Role
from kefu.workorders.actions import OrderInput, create_order_for

log = logging.getLogger(__name__)

CAPABILITY = "campaign.manage"
MAX_BATCH = 2000


@dataclass
class CampaignInput:
    name: str
    service_id: int | None
    area_ids: list[int]
    starts_on: dt.date | None
    ends_on: dt.date | None
    notice_text: str
    window_minutes: int = 120
    daily_capacity: int = 8
    batch_size: int = 50
    absent_repeats: int = 2
    repeat_gap_days: int = 7
    recheck_months: int = 12
    auto_batches: bool = False
    # the notice in the other languages: language → text (empty: the Simplified Chinese one is sent)
    notice_translations: dict[str, str] = field(default_factory=dict)


def visible_campaigns(staff: Staff) -> QuerySet[Campaign]:
    """The campaigns of the staff member's branch (every branch for company-level staff)."""
    qs = Campaign.objects.select_related("branch", "service", "created_by")
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(branch_id=staff.branch_id)


def access_campaign(user: Actor, campaign_id: int, *, manage: bool = False) -> Campaign:
    staff = require_staff(user, CAPABILITY if manage else None)
    c = visible_campaigns(staff).filter(pk=campaign_id).first()
    if c is None:
        raise NotFound("not_found", _("No such campaign."))
    return c


def safety_services() -> QuerySet[Service]:
    """Services a campaign can carry: active, technical and done at the customer's premises."""
    return Service.objects.filter(is_active=True, technical=True, place="onsite").order_by("code")


def _limit_errors(data: Any) -> list[KefuError]:
    """The numbers of a campaign (set up or changed) within their ranges, each error naming its field."""
    limits = {
        "window_minutes": (30, 480, _("A visit window lasts 30 to 480 minutes.")),
        "daily_capacity": (1, 40, _("A technician makes 1 to 40 visits a day.")),
        "batch_size": (1, MAX_BATCH, _("A batch has 1 to 2000 households.")),
        "absent_repeats": (0, 5, _("At most 5 further attempts.")),
        "repeat_gap_days": (1, 90, _("Attempts are 1 to 90 days apart.")),
        "recheck_months": (1, 60, _("The next check is due after 1 to 60 months.")),
    }
    errors: list[KefuError] = []
    for name, (low, high, message) in limits.items():
        value = getattr(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors.append(ValidationFailed("out_of_range", message, name))
    return errors


def _check(staff: Staff, data: CampaignInput) -> tuple[list[ServiceArea], Service | None]:
    errors: list[KefuError] = []
    if not " ".join((data.name or "").split()):
        errors.append(ValidationFailed("required", _("Give the campaign a name."), "name"))
    service = safety_services().filter(pk=data.service_id or 0).first()
    if service is None:
        errors.append(
            ValidationFailed("invalid_choice", _("Choose an on-site service of the catalogue."), "service")
        )
    ids = set(data.area_ids or [])
    areas = list(ServiceArea.objects.filter(pk__in=ids).select_related("branch"))
    branches = {a.branch_id for a in areas}
    if not ids or len(areas) != len(ids) or len(branches) != 1:
        errors.append(ValidationFailed("invalid_choice", _("Choose service areas of one branch."), "areas"))
    elif not staff.sees_all_branches and staff.branch_id not in (None, *branches):
        errors.append(
            ValidationFailed("forbidden_branch", _("You can only run campaigns in your branch."), "areas")
        )
    if data.starts_on is None:
        errors.append(ValidationFailed("required", _("When do the visits start?"), "starts_on"))
    if data.ends_on is None:
        errors.append(ValidationFailed("required", _("When do the visits end?"), "ends_on"))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.append(
            ValidationFailed("date_order", _("The last day must not be before the first."), "ends_on")
        )
    if data.starts_on and data.starts_on < clock.localdate():
        errors.append(ValidationFailed("in_the_past", _("The first visit day has passed."), "starts_on"))
    errors += _limit_errors(data)
    text = (data.notice_text or "").strip()
    if not text:
        errors.append(ValidationFailed("required", _("Write the notice households receive."), "notice_text"))
    texts = [("notice_text", text)]
    for lang, value in (data.notice_translations or {}).items():
        if normalise(lang) not in content_languages() or normalise(lang) == SOURCE_LANGUAGE:
            errors.append(
                ValidationFailed(
                    "invalid_choice", _("Unknown language %(code)s.") % {"code": lang}, "notice_text"
                )
            )
        elif len(value or "") > 1000:
            errors.append(
                ValidationFailed(
                    "too_long", _("A notice is at most 1000 characters."), f"notice_text__{lang}"
                )
            )
        texts.append((f"notice_text__{normalise(lang)}", (value or "").strip()))
    for name, value in texts:
        if bad := rules.unknown_placeholders(value):
            errors.append(
                ValidationFailed(
                    "unknown_placeholder",
                    _("Unknown placeholder %(names)s; use {name}, {date}, {window}, {technician}, {hotline}.")
                    % {"names": ", ".join("{" + b + "}" for b in bad)},
                    name,
                )
            )
    raise_if(errors)
    return areas, service


@transaction.atomic
def do_create_campaign(user: Actor, data: CampaignInput) -> Campaign:
    staff = require_staff(user, CAPABILITY)
    areas, service = _check(staff, data)
    assert service is not None and data.starts_on and data.ends_on
    notices: dict[str, Any] = {}
    for lang, value in (data.notice_translations or {}).items():
        notices = with_translation(notices, lang, "notice_text", value)
    c = Campaign.objects.create(
        branch_id=areas[0].branch_id,
        name=" ".join(data.name.split()),
        service=service,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        window_minutes=data.window_minutes,
        daily_capacity=data.daily_capacity,
        batch_size=data.batch_size,
        notice_text=data.notice_text.strip(),
        translations=notices,
        absent_repeats=data.absent_repeats,
        repeat_gap_days=data.repeat_gap_days,
        recheck_months=data.recheck_months,
        auto_batches=data.auto_batches,
        created_by=staff,
        created_at=clock.now(),
    )
    c.areas.set(areas)
    added = sync_households(c)
    audit.record(
        user,
        "campaign.create",
        c,
        after={**audit.snapshot(c), "areas": [a.pk for a in areas], "households": added},
        summary=_("%(name)s: %(count)d households") % {"name": c.name, "count": added},
    )
    return c


#: what a supervisor may change on a running campaign (name, service, areas, first day and notice text are
#: kept: the households, orders and notices already made rest on them)
CHANGEABLE = (
    "ends_on",
    "window_minutes",
    "daily_capacity",
    "batch_size",
    "absent_repeats",
    "repeat_gap_days",
    "recheck_months",
    "auto_batches",
)


@dataclass
class CampaignChange:
    """The changeable settings of a campaign, all given (the form and the API fill the unchanged ones from
    the campaign: :meth:`of`)."""

    ends_on: dt.date | None
    window_minutes: int
    daily_capacity: int
    batch_size: int
    absent_repeats: int
    repeat_gap_days: int
    recheck_months: int
    auto_batches: bool

    @classmethod
    def of(cls, c: Campaign, **changes: Any) -> CampaignChange:
        values = {name: getattr(c, name) for name in CHANGEABLE}
        values.update({k: v for k, v in changes.items() if k in CHANGEABLE and v is not None})
        return cls(**values)


def _last_booked_day(c: Campaign) -> dt.date | None:
    """The local day of the campaign's latest visit still booked (or confirmed)."""
    last = (
        Appointment.objects.filter(
            campaign_visit__household__campaign=c,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED],
        )
        .order_by("-window_start")
        .values_list("window_start", flat=True)
        .first()
    )
    return timezone.localtime(last, ZoneInfo(c.branch.time_zone or "Asia/Shanghai")).date() if last else None


@transaction.atomic
def do_change_campaign(user: Actor, campaign_id: int, data: CampaignChange) -> Campaign:
    """Change the period end, batch size, capacity, window length, repeat rules or automatic batches of a
    campaign (R-18). They apply to the batches planned from now on; visits already booked keep their day
    and window, so the last day may not move before one of them (cancel those first). Audited with the
    values before and after; nothing changed, nothing recorded."""
    access_campaign(user, campaign_id, manage=True)
    c = Campaign.objects.select_for_update(of=("self",)).select_related("branch").get(pk=campaign_id)
    errors = _limit_errors(data)
    if data.ends_on is None:
        errors.append(ValidationFailed("required", _("When do the visits end?"), "ends_on"))
    elif data.ends_on < c.starts_on:
        errors.append(
            ValidationFailed("date_order", _("The last day must not be before the first."), "ends_on")
        )
    elif data.ends_on != c.ends_on and data.ends_on < clock.localdate():
        errors.append(ValidationFailed("in_the_past", _("The last visit day has passed."), "ends_on"))
    elif data.ends_on < c.ends_on and (last := _last_booked_day(c)) is not None and data.ends_on < last:
        errors.append(
            ValidationFailed(
                "visits_booked_later",
                _(
                    "Visits are booked until %(date)s; choose that day or a later one, or cancel those "
                    "visits first."
                )
                % {"date": last.isoformat()},
                "ends_on",
            )
        )
    raise_if(errors)
    before = audit.snapshot(c, list(CHANGEABLE))
    for name in CHANGEABLE:
        setattr(c, name, getattr(data, name))
    old, new = audit.diff(before, audit.snapshot(c, list(CHANGEABLE)))
    if not new:
        return c
    c.save(update_fields=list(CHANGEABLE))
    audit.record(user, "campaign.change", c, before=old, after=new, summary=f"{c.name}: {', '.join(new)}")
    return c


@transaction.atomic
def do_set_active(user: Actor, campaign_id: int, active: bool) -> Campaign:
    """Stop (``active`` False) or resume a campaign (R-18). A stopped campaign plans no batch — neither by
    the button nor by the daily job — and its households' outcomes wait until it resumes; the visits
    already booked stay booked (and happen) unless someone cancels them. A campaign whose last day has
    passed cannot resume (move the last day first). Audited; asking for the state it is in changes
    nothing."""
    access_campaign(user, campaign_id, manage=True)
    c = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign_id)
    if c.active == active:
        return c
    if active and c.ends_on < clock.localdate():
        raise ValidationFailed(
            "ended", _("The last visit day has passed; set a later one before resuming."), "ends_on"
        )
    c.active = active
    c.save(update_fields=["active"])
    audit.record(
        user,
        "campaign.resume" if active else "campaign.stop",
        c,
        before={"active": not active},
        after={"active": active},
        summary=c.name,
    )
    return c


def sync_households(c: Campaign) -> int:
    """Add the areas' customers that have no row yet (customers who moved in since); returns how many."""
    area_ids = list(c.areas.values_list("pk", flat=True))
    known = CampaignHousehold.objects.filter(campaign=c).values("customer_id")
    new = (
        Customer.objects.filter(area_id__in=area_ids, merged_into__isnull=True)
        .exclude(pk__in=known)
        .order_by("area_id", "address", "id")
        .values_list("pk", "area_id")
    )
    rows = [CampaignHousehold(campaign=c, customer_id=pk, area_id=area) for pk, area in new.iterator(2000)]
    CampaignHousehold.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def technicians(c: Campaign) -> dict[int, list[int]]:
    """Per area of the campaign, its active technicians (the area's responsible staff of that role; else
    every technician of the branch)."""
    branch_techs = list(
        Staff.objects.filter(branch_id=c.branch_id, role=Role.TECHNICIAN, is_active=True)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    result: dict[int, list[int]] = {a: [] for a in c.areas.values_list("pk", flat=True)}
    for area_id, staff_id in (
        ServiceArea.responsible.through.objects.filter(
            servicearea_id__in=list(result), staff__role=Role.TECHNICIAN, staff__is_active=True
        )
        .order_by("staff_id")
        .values_list("servicearea_id", "staff_id")
    ):
        result[area_id].append(staff_id)
    return {a: techs or branch_techs for a, techs in result.items()}


def _booked(techs: set[int], first: dt.date, last: dt.date, cal: cal_rules.WorkCalendar) -> Counter[Any]:
    """Visits already booked per (technician, local day) in the planning period (any source)."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=cal.tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=cal.tz)
    load: Counter[Any] = Counter()
    for tech, at in Appointment.objects.filter(
        technician_id__in=techs,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED],
        window_start__gte=start,
        window_start__lt=end,
    ).values_list("technician_id", "window_start"):
        load[(tech, cal_rules.local_date(at, cal))] += 1
    return load


def _is_mobile(e164: str) -> bool:
    return e164.startswith("+861") and len(e164) == 14


def _hotline() -> str:
    company = Company.objects.only("hotline").first()
    return company.hotline if company else ""


@dataclass(frozen=True)
class BatchResult:
    planned: int
    sms: int
    letters: int
    left_unplanned: int  # households of this batch that found no free visit before the campaign ends


def _plan_one(
    c: Campaign,
    hh: CampaignHousehold,
    slot: rules.Slot,
    actor_user: Actor | None,
    tech: Staff,
    tz: ZoneInfo,
    hotline: str,
) -> str:
    """Order, appointment, visit row and notice of one household; returns the notice's channel."""
    customer = hh.customer
    lang = customer.language or customer.branch.language or settings.LANGUAGE_CODE
    date = slot.day.isoformat()
    window = f"{timezone.localtime(slot.start, tz):%H:%M}–{timezone.localtime(slot.end, tz):%H:%M}"
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Safety-check campaign “%(campaign)s”, visit %(attempt)d on %(date)s %(window)s.") % {
            "campaign": c.name,
            "attempt": hh.attempts + 1,
            "date": date,
            "window": window,
        }
    order = create_order_for(
        c.created_by,
        customer,
        OrderInput(
            order_type=c.service.order_type,
            title=c.name,
            description=description,
            channel="visit",
            service_id=c.service_id,
            assignee_id=tech.pk,
        ),
        actor_user=actor_user,
        channel="visit",
    )
    appt = Appointment.objects.create(
        order=order,
        technician=tech,
        window_start=slot.start,
        window_end=slot.end,
        source=AppointmentSource.CAMPAIGN,
    )
    hh.attempts += 1
    mobile = _is_mobile(customer.phone_e164)
    channel = OutboxChannel.SMS if mobile else OutboxChannel.PRINT
    CampaignVisit.objects.create(household=hh, attempt=hh.attempts, appointment=appt, notice_channel=channel)
    hh.status = HouseholdStatus.SCHEDULED
    hh.appointment = appt
    hh.not_before = None
    hh.save(update_fields=["status", "attempts", "appointment", "not_before", "updated_at"])
    body = rules.fill(
        translated(c, "notice_text", lang),
        {"name": customer.name, "date": date, "window": window, "technician": tech.name, "hotline": hotline},
    )
    with translation.override(lang):
        subject = _("Safety check on %(date)s") % {"date": date}
    outbox.enqueue(
        channel=channel,
        recipient=customer.phone_e164 if mobile else customer.address,
        subject=subject,
        body=body,
        idempotency_key=f"campaign:{c.pk}:{hh.pk}:visit:{hh.attempts}",
        customer=customer,
        workorder=order,
        message_class=MessageClass.SERVICE,
    )
    return channel


def do_plan_batch(user: Actor | None, campaign_id: int, *, today: dt.date | None = None) -> BatchResult:
    """Plan the next batch of the campaign (see the module). ``user`` None: the periodic job."""
    if user is not None:
        access_campaign(user, campaign_id, manage=True)
    reconcile(campaign_id)
    today = today or clock.localdate()
    with transaction.atomic():
        c = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("branch", "service", "created_by__user")
            .filter(pk=campaign_id)
            .first()
        )
        if c is None:
            raise NotFound("not_found", _("No such campaign."))
        if not c.active:
            raise ValidationFailed("inactive", _("The campaign has been stopped."), "campaign")
        sync_households(c)
        cal = calendar_for_branch(c.branch)
        pending = list(
            CampaignHousehold.objects.filter(campaign=c, status=HouseholdStatus.PENDING)
            .filter(
                Q(not_before__isnull=True) | Q(not_before__lte=c.ends_on), customer__merged_into__isnull=True
            )
            .select_related("customer__branch")
            .order_by(F("not_before").asc(nulls_last=True), "id")[: c.batch_size]
        )
        by_area = technicians(c)
        all_techs = {t for ts in by_area.values() for t in ts}
        if pending and not all_techs:
            raise ValidationFailed(
                "no_technicians",
                _("The branch has no active technician to visit the households."),
                "campaign",
            )
        earliest = {hh.pk: rules.first_visit_day(today, c.starts_on, hh.not_before) for hh in pending}
        first = min(earliest.values(), default=c.starts_on)
        try:
            load = _booked(all_techs, first, c.ends_on, cal)
            slots: list[rules.Slot] = []
            for area_id, techs in by_area.items():
                area_hh = [(hh.pk, earliest[hh.pk]) for hh in pending if hh.area_id == area_id]
                planned = rules.plan(
                    area_hh,
                    techs,
                    cal,
                    last_day=c.ends_on,
                    window_minutes=c.window_minutes,
                    capacity=c.daily_capacity,
                    booked=load,
                )
                for s in planned:
                    load[(s.technician, s.day)] += 1
                slots += planned
        except cal_rules.CalendarDataMissing as exc:
            raise ValidationFailed(
                "calendar_missing",
                _("The branch calendar has no holidays for %(year)d yet; enter them first.")
                % {"year": exc.year},
                "campaign",
            ) from exc
        staff = {s.pk: s for s in Staff.objects.filter(pk__in={s.technician for s in slots})}
        households = {hh.pk: hh for hh in pending}
        tz = cal.tz
        hotline = _hotline() or "—"
        sent: Counter[str] = Counter()
        for s in slots:
            sent[_plan_one(c, households[s.household], s, user, staff[s.technician], tz, hotline)] += 1
        c.batches += 1
        c.last_batch_at = clock.now()
        c.save(update_fields=["batches", "last_batch_at"])
        result = BatchResult(
            len(slots), sent[OutboxChannel.SMS], sent[OutboxChannel.PRINT], len(pending) - len(slots)
        )
        audit.record(
            user,
            "campaign.batch",
            c,
            after={
                "batch": c.batches,
                "planned": result.planned,
                "sms": result.sms,
                "letters": result.letters,
            },
            summary=_("%(name)s: batch %(batch)d, %(count)d visits planned")
            % {"name": c.name, "batch": c.batches, "count": result.planned},
        )
        return result


def _outcome(appt: Appointment) -> rules.Outcome | None:
    if appt.status == AppointmentStatus.DONE:
        return rules.Outcome.DONE
    if appt.status == AppointmentStatus.MISSED:
        if appt.missed_reason == MissedReason.CUSTOMER_ABSENT:
            return rules.Outcome.ABSENT
        return rules.Outcome.NOT_VISITED
    if appt.status == AppointmentStatus.CANCELLED:
        return rules.Outcome.NOT_VISITED
    return None  # still booked or confirmed


def reconcile(campaign_id: int | None = None, limit: int = 5000) -> int:
    """Move households whose current visit ended on by the repeat rules; returns how many moved. Each
    household is locked and re-read, so two workers never count one absence twice."""
    ended = [AppointmentStatus.DONE, AppointmentStatus.MISSED, AppointmentStatus.CANCELLED]
    qs = CampaignHousehold.objects.filter(
        status=HouseholdStatus.SCHEDULED, appointment__status__in=ended, campaign__active=True
    )
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    moved = 0
    for pk in list(qs.order_by("id").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            hh = (
                CampaignHousehold.objects.select_for_update(of=("self",))
                .filter(pk=pk, status=HouseholdStatus.SCHEDULED)
                .select_related("campaign__branch", "campaign__service", "appointment", "customer__branch")
                .first()
            )
            if hh is None or hh.appointment is None:
                continue
            outcome = _outcome(hh.appointment)
            if outcome is None:
                continue
            _apply(hh, outcome, hh.appointment)
            moved += 1
    return moved


def _apply(hh: CampaignHousehold, outcome: rules.Outcome, appt: Appointment | None, reason: str = "") -> None:
    c = hh.campaign
    tz = ZoneInfo(c.branch.time_zone or "Asia/Shanghai")
    day = timezone.localtime(appt.window_start, tz).date() if appt else clock.localdate()
    step = rules.after_visit(
        outcome,
        day,
        absences=hh.absences,
        absent_repeats=c.absent_repeats,
        repeat_gap_days=c.repeat_gap_days,
        recheck_months=c.recheck_months,
    )
    before = {"status": hh.status, "absences": hh.absences}
    hh.absences = step.absences
    if step.next == rules.Next.DONE:
        hh.status, hh.done_on, hh.next_due = HouseholdStatus.DONE, day, step.next_due
    elif step.next == rules.Next.REFUSED:
        hh.status, hh.refused_reason = HouseholdStatus.REFUSED, reason
    elif step.next == rules.Next.REPEAT:
        hh.status, hh.not_before = HouseholdStatus.PENDING, step.not_before
    else:
        hh.status, hh.letter_at = HouseholdStatus.ABSENT, clock.now()
        _letter(hh)
    hh.save()
    if appt is not None:
        CampaignVisit.objects.filter(appointment=appt).update(outcome=str(outcome), closed_at=clock.now())
    audit.record(
        None,
        "campaign.household",
        hh,
        before=before,
        after={"status": hh.status, "absences": hh.absences, "outcome": str(outcome)},
        customer_id=hh.customer_id,
        summary=f"{c.name}: {hh.get_status_display()}",
    )


def _letter(hh: CampaignHousehold) -> None:
    """After the last attempt: a letter (SMS to a mobile, else printed) asking the customer to book."""
    c, customer = hh.campaign, hh.customer
    mobile = _is_mobile(customer.phone_e164)
    lang = customer.language or customer.branch.language or settings.LANGUAGE_CODE
    # the campaign's name is the staff's (Simplified Chinese); another language names the service instead
    campaign_name = c.name if normalise(lang) == SOURCE_LANGUAGE else translated(c.service, "name", lang)
    with translation.override(lang):
        subject = _("Please book your safety check")
        body = _(
            "Dear %(name)s, our technician could not find anyone at home for the %(campaign)s (%(count)d "
            "visits). The safety check is required: please call %(hotline)s to book a time that suits you."
        ) % {
            "name": customer.name,
            "campaign": campaign_name,
            "count": hh.attempts,
            "hotline": _hotline() or "—",
        }
    outbox.enqueue(
        channel=OutboxChannel.SMS if mobile else OutboxChannel.PRINT,
        recipient=customer.phone_e164 if mobile else customer.address,
        subject=subject,
        body=body,
        idempotency_key=f"campaign:{c.pk}:{hh.pk}:letter",
        customer=customer,
        message_class=MessageClass.SERVICE,
    )


@transaction.atomic
def do_record_refusal(user: Actor, campaign_id: int, household_id: int, reason: str) -> CampaignHousehold:
    """The customer refused the check: recorded with the reason and counted; a booked visit is cancelled."""
    access_campaign(user, campaign_id, manage=True)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed("required", _("Write why the customer refused."), "reason")
    hh = (
        CampaignHousehold.objects.select_for_update(of=("self",))
        .select_related("campaign__branch", "campaign__service", "appointment", "customer__branch")
        .filter(pk=household_id, campaign_id=campaign_id)
        .first()
    )
    if hh is None:
        raise NotFound("not_found", _("No such household in this campaign."))
    if hh.status in (HouseholdStatus.DONE, HouseholdStatus.REFUSED):
        raise ValidationFailed("closed", _("This household's check is already closed."), "household")
    appt = hh.appointment if hh.status == HouseholdStatus.SCHEDULED else None
    if appt is not None and appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
        appt.status = AppointmentStatus.CANCELLED
        appt.save(update_fields=["status", "updated_at"])
    _apply(hh, rules.Outcome.REFUSED, appt, reason[:300])
    return hh


def progress(c: Campaign, area_id: int | None = None) -> rules.Progress:
    qs = CampaignHousehold.objects.filter(campaign=c)
    if area_id:
        qs = qs.filter(area_id=area_id)
    counts = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id")).order_by()}
    figures = qs.aggregate(
        planned=Count("id", filter=Q(attempts__gt=0)),
        waiting=Count("id", filter=Q(status=HouseholdStatus.PENDING, attempts__gt=0)),
    )
    return rules.progress(counts, figures["planned"], figures["waiting"])


def plan_due_batches(today: dt.date | None = None) -> int:
    """The periodic job: every active campaign with automatic batches plans one batch per working day."""
    today = today or clock.localdate()
    planned = 0
    for c in Campaign.objects.filter(active=True, auto_batches=True, ends_on__gte=today).select_related(
        "branch"
    ):
        tz = ZoneInfo(c.branch.time_zone or "Asia/Shanghai")
        if c.last_batch_at and timezone.localtime(c.last_batch_at, tz).date() >= today:
            continue
        try:
            if not cal_rules.is_working_day(today, calendar_for_branch(c.branch)):
                continue
            planned += do_plan_batch(None, c.pk, today=today).planned
        except KefuError as exc:
            log.warning("campaign %s: batch not planned: %s", c.pk, exc)
        except cal_rules.CalendarDataMissing as exc:
            log.warning("campaign %s: %s", c.pk, exc)
    return planned

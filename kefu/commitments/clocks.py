"""Commitment clocks of work orders (R-13..R-15): the only writer of ``OrderClock`` and ``ExtensionRequest``.

``workorders.actions`` calls the ``on_*`` hooks inside its own transaction, with the order row locked:

* ``on_order_created`` — one clock per kind that has a matching ``TimeLimit`` (``commitments.limits``:
  most specific match wins). Resolution and complaint-answer clocks start at ``received_at``.
* ``on_status_change`` —
  - into *awaiting materials* from *new* or *reopened*: the materials were never complete, so the
    resolution/complaint-answer clock is **not started** (its start is cleared); from *in progress* or
    *pending customer* (materials found missing again) the clock **pauses**;
  - out of *awaiting materials*: a clock not started **starts** now; a paused one resumes;
  - into *pending customer*: pause; out of it: resume with the remaining time;
  - *resolved*: the resolution and complaint-answer clocks **stop** (met or late);
  - *closed* without resolution (withdrawn, merged): the open clocks stop as **cancelled** unless
    already overdue (then they count as late);
  - *reopened*: a **new round** of every clock the order's limits require (resolution, complaint answer,
    first response, arrival) starts with the full limit from the reopening; the earlier round keeps its
    result (met / late) for accountability.
* ``on_first_reply`` — the first-response clock stops.

Emergencies (``commitments.emergency``): a new order that is one is flagged before its clocks are made, so
the *emergencies only* limits (the arrival clock in minutes on the 24×7 calendar) apply.

The first-response clock is about answering the customer, so materials and pending-customer do not
pause it. ``WorkOrder.due_at`` (queue sorting) is the open resolution clock's due time, else the earliest
due time of the other open clocks, else empty.

A calendar without holiday data for a year the computation needs (``CalendarDataMissing``) never
crashes an order and never leaves it without a deadline: the due time is computed provisionally (that year
on the weekly pattern only, ``rules.provisional_clock_state``), the clock records the missing year
(``calendar_missing_year``; the order page shows "provisional"), and ``recompute_missing`` replaces it
once the year is loaded, with a timeline entry old → new.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments import contact, emergency, rules
from kefu.commitments import limits as L
from kefu.commitments.actions import china_package_years, seed_china_calendar
from kefu.commitments.calendars import load_calendar
from kefu.commitments.default_texts import translations_for
from kefu.commitments.models import (
    OPEN_CLOCK_STATUSES,
    BusinessCalendar,
    CalendarDay,
    CalendarYear,
    ClockStatusChoices,
    EmergencyKeyword,
    ExtensionRequest,
    ExtensionStatus,
    OrderClock,
    OrderMaterial,
    Service,
    ServiceMaterial,
    TimeLimit,
    WorkingPeriod,
)
from kefu.lib import batch, clock, json_rows
from kefu.lib.durations import TimeLeft
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization import config_cache
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Staff
from kefu.workorders import hooks
from kefu.workorders.access import access_workorder
from kefu.workorders.actions import add_entry, set_due_at
from kefu.workorders.models import TimelineEntry, WorkOrder

OFFICE_CALENDAR = "标准工作日"
AROUND_THE_CLOCK_CALENDAR = "7×24小时"
CACHE_SECONDS = 300

# --- calendars ---------------------------------------------------------------------------------------------

_lock = threading.Lock()
_calendars: dict[int, tuple[float, rules.WorkCalendar]] = {}
_named: dict[str, tuple[float, int]] = {}


# the people of an extension request as the clock card shows them (read with the order: ``json_rows``)
EXTENSION_RELATED: dict[str, Any] = {
    name: (Staff, {}, ("name", "badge_no")) for name in ("requested_by", "decided_by")
}


def order_clock_list(order: WorkOrder) -> list[OrderClock]:
    """The order's clocks (kind, round) with their calendars, the reporter of an unreachable customer and
    the extension requests with their people, in two queries, kept on the order instance: the order page's
    clock card and its "Reaching the customer" card read the same list (one request, no write between)."""
    cached: list[OrderClock] | None = getattr(order, "_kefu_clock_list", None)
    if cached is None:
        qs = OrderClock.objects.filter(workorder_id=order.pk).select_related(
            "calendar", "unreachable_reported_by"
        )
        # the order page reads the extension requests with the order (panels.order_panel_annotations)
        rows = getattr(order, "commitments_extension_rows", None)
        if rows is None:
            qs = qs.prefetch_related(
                Prefetch(
                    "extensions",
                    queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
                )
            )
        cached = list(qs.order_by("kind", "round"))
        if rows is not None:
            by_clock: dict[int, list[ExtensionRequest]] = {}
            for ext in json_rows.instances(ExtensionRequest, rows, EXTENSION_RELATED):
                by_clock.setdefault(ext.clock_id, []).append(ext)
            for c in cached:
                c._prefetched_objects_cache = {  # type: ignore[attr-defined]
                    "extensions": json_rows.prefetched(ExtensionRequest, by_clock.get(c.pk, []))
                }
        order._kefu_clock_list = cached  # type: ignore[attr-defined]
    return cached


def clear_calendar_cache(*_args: Any, **_kwargs: Any) -> None:
    """Forget loaded calendars and default-calendar ids (called on every calendar change in this process;
    other processes' entries expire after ``CACHE_SECONDS``)."""
    with _lock:
        _calendars.clear()
        _named.clear()


for _model in (BusinessCalendar, WorkingPeriod, CalendarDay, CalendarYear):
    post_save.connect(clear_calendar_cache, sender=_model, dispatch_uid=f"clocks-cal-{_model.__name__}")
    post_delete.connect(clear_calendar_cache, sender=_model, dispatch_uid=f"clocks-cal-del-{_model.__name__}")


def work_calendar(calendar_id: int) -> rules.WorkCalendar:
    """The calendar as the rules see it, cached per process for a few minutes (cleared on change here)."""
    now = time.monotonic()
    with _lock:
        hit = _calendars.get(calendar_id)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    row = BusinessCalendar.objects.prefetch_related("periods", "days", "years").get(pk=calendar_id)
    value = load_calendar(row)
    with _lock:
        _calendars[calendar_id] = (now, value)
    return value


def _named_calendar(name: str, *, is_24x7: bool) -> int:
    now = time.monotonic()
    with _lock:
        hit = _named.get(name)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    row = BusinessCalendar.objects.filter(name=name).first()
    if row is None:
        row = ensure_default_calendars()[1 if is_24x7 else 0]
    with _lock:
        _named[name] = (now, row.pk)
    return row.pk


@transaction.atomic
def ensure_default_calendars() -> tuple[BusinessCalendar, BusinessCalendar]:
    """The default office calendar and the 24×7 calendar (created like migration 0004 if missing)."""

    office, created = BusinessCalendar.objects.get_or_create(
        name=OFFICE_CALENDAR, defaults={"time_zone": "Asia/Shanghai", "makeup_weekday": 0}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=office, weekday=wd, start=start, end=end)
            for wd in range(5)
            for start, end in ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
        )
        seed_china_calendar(office, china_package_years())
    around, _created = BusinessCalendar.objects.get_or_create(
        name=AROUND_THE_CLOCK_CALENDAR, defaults={"time_zone": "Asia/Shanghai", "is_24x7": True}
    )
    return office, around


# The R-13 defaults, as migration 0004 seeds them: (kind, order type, tier, unit, amount, 24×7).
DEFAULT_LIMITS = [
    ("first_response", "complaint", "", "calendar_hours", 4, True),
    ("resolution", "fault_general", "", "calendar_hours", 24, False),
    ("resolution", "fault_general", "diamond", "calendar_hours", 12, False),
    ("resolution", "fault_general", "gold", "calendar_hours", 12, False),
    ("resolution", "fault_major", "", "calendar_hours", 72, False),
    ("resolution", "install_urban", "", "working_days", 5, False),
    ("resolution", "install_rural", "", "working_days", 10, False),
    ("resolution", "restoration", "", "working_days", 5, False),
    ("complaint_answer", "complaint", "", "working_days", 3, False),
]

# Emergency and per-channel defaults, as migration 0010 seeds them: a first-response limit per inbound channel (any order
# type: inquiries too) and the emergency arrival clock per area kind.
# (kind, channel, area kind, emergency only, unit, amount, 24×7)
DEFAULT_CHANNEL_LIMITS = [
    ("first_response", "phone", "", False, "calendar_hours", 4, True),
    ("first_response", "counter", "", False, "calendar_hours", 4, True),
    ("first_response", "email", "", False, "working_days", 1, False),
    ("first_response", "portal", "", False, "working_days", 1, False),
    ("first_response", "sms", "", False, "working_days", 1, False),
    ("first_response", "social", "", False, "working_days", 1, False),
    ("first_response", "chat", "", False, "calendar_minutes", 10, True),
    ("arrival", "", "", True, "calendar_minutes", 30, True),
    ("arrival", "", "urban", True, "calendar_minutes", 30, True),
    ("arrival", "", "rural", True, "calendar_minutes", 60, True),
]

# An emergency is answered within 15 minutes on any channel, as migration 0012 seeds it (same tuple shape)
DEFAULT_EMERGENCY_LIMITS = [("first_response", "", "", True, "calendar_minutes", 15, True)]

# The personal information request (kefu.rights), as migration 0013 seeds it: (code, name, English name,
# resolution limit unit, amount). PIPL practice: 15 working days on the branch calendar; GDPR Art. 12(3): one
# month of receipt (the branches in KEFU_GDPR_BRANCHES get the second service).
PRIVACY_SERVICES = [
    ("personal-information-request", "个人信息权利请求", "Personal information request", "working_days", 15),
    (
        "personal-information-request-gdpr",
        "个人信息权利请求（GDPR）",
        "Personal data request (GDPR)",
        "calendar_months",
        1,
    ),
]


def ensure_privacy_services() -> None:
    """The two request services with their resolution limits (what migration 0013 creates)."""
    for code, name, name_en, unit, amount in PRIVACY_SERVICES:
        service, _created = Service.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "translations": translations_for(name=name),
                "order_type": "inquiry",
                "sale_phase": "after",
                "technical": False,
                "place": "remote",
                "public": False,
            },
        )
        TimeLimit.objects.get_or_create(
            kind="resolution",
            service=service,
            defaults={
                "order_type": "inquiry",
                "unit": unit,
                "amount": Decimal(amount),
                "around_the_clock": False,
            },
        )


# Emergency keywords per language, as migration 0010 seeds them (editable: back office → Emergency keywords)
DEFAULT_EMERGENCY_KEYWORDS = {
    "zh-hans": ["燃气泄漏", "漏气", "燃气味", "煤气味", "停水", "爆管", "水管爆裂"],
    "zh-hant": ["燃氣洩漏", "漏氣", "燃氣味", "停水", "爆管"],
    "en": ["gas leak", "smell of gas", "smells of gas", "burst pipe"],
    "hu": ["gázszivárgás", "gázszag", "csőtörés", "nincs víz"],
}


@transaction.atomic
def ensure_defaults() -> None:
    """The default calendars, the R-13 limits when no time limit is configured at all (what migration
    0004 creates), the per-channel first-response and emergency arrival limits when no limit without an
    order type exists, and the emergency keywords when there are none (what migration 0010 creates) — for
    databases emptied since, e.g. by tests that flush tables."""
    ensure_default_calendars()
    if not TimeLimit.objects.exists():
        TimeLimit.objects.bulk_create(
            TimeLimit(
                kind=kind,
                order_type=order_type,
                tier=tier,
                unit=unit,
                amount=Decimal(amount),
                around_the_clock=around,
            )
            for kind, order_type, tier, unit, amount, around in DEFAULT_LIMITS
        )
    if not TimeLimit.objects.filter(order_type="").exists():  # migration 0010's, seeded on their own
        TimeLimit.objects.bulk_create(
            TimeLimit(
                kind=kind,
                order_type="",
                channel=channel,
                area_kind=area_kind,
                emergency=only_emergency,
                unit=unit,
                amount=Decimal(amount),
                around_the_clock=around,
            )
            for kind, channel, area_kind, only_emergency, unit, amount, around in (
                DEFAULT_CHANNEL_LIMITS + DEFAULT_EMERGENCY_LIMITS
            )
        )
    if not EmergencyKeyword.objects.exists():
        EmergencyKeyword.objects.bulk_create(
            EmergencyKeyword(language=language, keyword=word)
            for language, words in DEFAULT_EMERGENCY_KEYWORDS.items()
            for word in words
        )
        emergency.clear_cache()
    ensure_privacy_services()
    clear_calendar_cache()


def calendar_id_for_branch(branch: Branch) -> int:
    """The branch's calendar, or the default office calendar ("标准工作日") when it has none."""
    if branch.calendar_id is not None:
        return branch.calendar_id
    return _named_calendar(OFFICE_CALENDAR, is_24x7=False)


def calendar_for_branch(branch: Branch) -> rules.WorkCalendar:
    return work_calendar(calendar_id_for_branch(branch))


def around_the_clock_calendar_id() -> int:
    return _named_calendar(AROUND_THE_CLOCK_CALENDAR, is_24x7=True)


def warn_fraction() -> float:
    return float(getattr(settings, "KEFU_CLOCK_WARN_FRACTION", 0.75))


# --- pure conversions --------------------------------------------------------------------------------------


def _parse(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


# units counted in whole numbers only (limits and extensions)
WHOLE_UNITS = (rules.Unit.WORKING_DAYS, rules.Unit.CALENDAR_MONTHS)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _amount(unit: str, value: Decimal) -> int | Decimal:
    value = Decimal(value)
    if unit in WHOLE_UNITS or value == value.to_integral_value():
        return int(value)
    return value.normalize()


def rules_clock(c: OrderClock) -> rules.Clock:
    """The stored clock as the pure rules see it."""
    return rules.Clock(
        limit=rules.Limit(rules.Unit(c.unit), _amount(c.unit, c.amount)),
        started_at=c.started_at,
        pauses=tuple(rules.Pause(_parse(s), _parse(e)) for s, e in c.pauses),  # type: ignore[arg-type]
        extensions=(_amount(c.unit, c.extension_amount),) if c.extension_amount else (),
        stopped_at=c.stopped_at,
        # only a report the leader approved stops the clock (empty status: filed before decisions existed)
        unreachable_reported_at=(
            c.unreachable_reported_at if c.unreachable_status in ("", "approved") else None
        ),
    )


def _provisional_state(c: OrderClock, at: dt.datetime) -> tuple[rules.ClockState, tuple[int, ...]]:
    """The clock's state, computed provisionally (weekends only) for years its calendar has no holiday
    data for; the years in the second value. Raises ``CalendarDataMissing`` only for absurd spans."""
    return rules.provisional_clock_state(rules_clock(c), work_calendar(c.calendar_id), at, warn_fraction())


def state(c: OrderClock, now: dt.datetime | None = None) -> rules.ClockState | None:
    """The clock at ``now`` (provisional when its calendar lacks a year, see ``calendar_missing_year``);
    ``None`` only when even the provisional computation fails."""
    try:
        return _provisional_state(c, now or clock.now())[0]
    except rules.CalendarDataMissing:
        return None


def _is_paused(c: OrderClock) -> bool:
    return bool(c.pauses) and c.pauses[-1][1] is None


def paused_since(c: OrderClock) -> dt.datetime | None:
    """When the clock's open pause began; ``None`` when it is not paused."""
    return _parse(c.pauses[-1][0]) if _is_paused(c) else None


def live_status(c: OrderClock, st: rules.ClockState | None) -> str:
    """The status as of ``st`` (see ``state``): the stored one for a cancelled clock or without calendar data."""
    return c.status if st is None or c.status == ClockStatusChoices.CANCELLED else st.status.value


def _refresh(c: OrderClock, at: dt.datetime) -> None:
    """Recompute the stored due time, warning time, status and remaining time, and save."""
    _compute(c, at)
    c.save()


def _compute(c: OrderClock, at: dt.datetime) -> None:
    """What :func:`_refresh` stores, without saving (new clocks are inserted together)."""
    cancelled = c.status == ClockStatusChoices.CANCELLED
    try:
        st, missing = _provisional_state(c, at)
    except rules.CalendarDataMissing as exc:
        c.calendar_missing_year = exc.year
        c.due_at = c.warn_at = None
        c.remaining_seconds = None
        if not cancelled:
            if c.started_at is None:
                c.status = ClockStatusChoices.NOT_STARTED
            elif c.stopped_at is not None:
                c.status = ClockStatusChoices.MET  # cannot be judged without the year's data
            else:
                c.status = ClockStatusChoices.PAUSED if _is_paused(c) else ClockStatusChoices.RUNNING
    else:
        # a year without holiday data: the due time is provisional (weekends only) until it is loaded
        c.calendar_missing_year = missing[0] if missing else None
        c.due_at, c.warn_at = st.due_at, st.warn_at
        c.remaining_seconds = None if st.remaining is None else int(st.remaining.total_seconds())
        if not cancelled:
            c.status = st.status.value
    c.updated_at = clock.now()


def recompute_missing(
    calendar_id: int | None = None, limit: int = 500, *, now: dt.datetime | None = None
) -> int:
    """Recompute clocks that lacked a calendar year, now that an administrator may have entered it.

    Runs as the periodic job ``commitments.missing_years`` and right after a calendar's days or years are
    saved. Each order is locked like any change to it, and its clocks are refreshed and its due time synced
    in one transaction; clocks whose year is still missing stay flagged. Returns how many clocks now have
    a due time."""
    clear_calendar_cache()
    qs = OrderClock.objects.filter(calendar_missing_year__isnull=False).exclude(
        status=ClockStatusChoices.CANCELLED
    )
    if calendar_id is not None:
        qs = qs.filter(calendar_id=calendar_id)
    order_ids = list(qs.order_by("workorder_id").values_list("workorder_id", flat=True).distinct()[:limit])
    fixed = 0

    now = now or clock.now()
    for order_id in order_ids:
        with transaction.atomic():
            o = WorkOrder.objects.select_for_update().filter(pk=order_id).first()
            if o is None:
                continue
            for c in OrderClock.objects.filter(workorder=o, calendar_missing_year__isnull=False).exclude(
                status=ClockStatusChoices.CANCELLED
            ):
                old_due = c.due_at
                _refresh(c, now)
                if c.calendar_missing_year is None:
                    fixed += 1
                    _log(o, c, "clock.recomputed", now, old_due_at=old_due.isoformat() if old_due else "")
            _sync_order_due(o)
    return fixed


def _recompute_after_calendar_change(sender: Any, instance: Any, **_kwargs: Any) -> None:
    """After the transaction that saved a calendar's day or year (each callback first asks the small
    partial index whether any clock of the calendar waits, so saving many days costs little)."""
    calendar_id = getattr(instance, "calendar_id", None)
    if calendar_id is not None:
        transaction.on_commit(lambda: recompute_missing(calendar_id))


for _model in (CalendarDay, CalendarYear):
    post_save.connect(
        _recompute_after_calendar_change, sender=_model, dispatch_uid=f"clocks-recompute-{_model.__name__}"
    )


def _sync_order_due(o: Any, clocks_: list[OrderClock] | None = None) -> None:
    """WorkOrder.due_at: the open resolution clock's due time, else the earliest open clock's.
    ``clocks_``: all the order's clocks when the caller has them (a new order's), ordered by kind and round."""
    if clocks_ is None:
        clocks_ = list(OrderClock.objects.filter(workorder=o))
    chosen = _due_clock(clocks_)
    if chosen is None:
        set_due_at(o, None)
    else:
        set_due_at(o, chosen.due_at, provisional=chosen.calendar_missing_year is not None)


def _due_clock(clocks_: list[OrderClock]) -> OrderClock | None:
    """The clock whose due time is the order's (see :func:`_sync_order_due`)."""
    open_clocks = [c for c in clocks_ if c.status in OPEN_CLOCK_STATUSES]
    resolution = [c for c in open_clocks if c.kind == L.ClockKind.RESOLUTION and c.due_at]
    if resolution:
        return resolution[-1]
    dated = [c for c in open_clocks if c.due_at]
    return min(dated, key=lambda c: c.due_at) if dated else None  # type: ignore[arg-type,return-value]


# --- hooks called by workorders.actions --------------------------------------------------------------------


EMERGENCY_ATTR = "_kefu_emergency"  # set on the order object once known, to spare the query


def order_is_emergency(o: Any) -> bool:
    flag = getattr(o, EMERGENCY_ATTR, None)
    if flag is None:
        flag = emergency.is_emergency(o)
        setattr(o, EMERGENCY_ATTR, flag)
    return bool(flag)


def order_facts(o: Any) -> L.OrderFacts:
    return L.OrderFacts(
        order_type=o.order_type,
        service_id=o.service_id,
        area_kind=o.area_kind or "urban",
        tier=o.customer.tier,
        priority=o.priority,
        channel=o.channel,
        emergency=order_is_emergency(o),
    )


def limit_rules() -> list[L.LimitRule]:
    """The active time limits as the rules see them (per-process cache, checked against the version of
    the service catalogue's tables)."""
    return config_cache.cached(config_cache.COMMITMENTS, "limit_rules", _load_limit_rules)


def _load_limit_rules() -> list[L.LimitRule]:
    return [
        L.LimitRule(
            id=t.pk,
            kind=L.ClockKind(t.kind),
            order_type=t.order_type,
            unit=rules.Unit(t.unit),
            amount=_amount(t.unit, t.amount),
            service_id=t.service_id,
            area_kind=t.area_kind,
            tier=t.tier,
            priority=t.priority,
            around_the_clock=t.around_the_clock,
            channel=t.channel,
            emergency=t.emergency,
        )
        for t in TimeLimit.objects.filter(is_active=True)
    ]


def _new_clock(
    o: Any, rule: L.LimitRule, rnd: int, started_at: dt.datetime | None, at: dt.datetime, *, save: bool = True
) -> OrderClock:
    calendar_id = (
        around_the_clock_calendar_id() if rule.around_the_clock else calendar_id_for_branch(branch_of(o))
    )
    c = OrderClock(
        workorder=o,
        kind=rule.kind.value,
        round=rnd,
        time_limit_id=rule.id,
        unit=rule.unit.value,
        amount=Decimal(rule.amount),
        calendar_id=calendar_id,
        started_at=started_at,
        created_at=at,
        updated_at=at,
    )
    if save:
        _refresh(c, at)
    else:
        _compute(c, at)
    return c


MATERIAL_KINDS = (L.ClockKind.RESOLUTION, L.ClockKind.COMPLAINT_ANSWER)


def _services_with_required_materials() -> frozenset[int]:
    return config_cache.cached(
        config_cache.COMMITMENTS,
        "services_with_required_materials",
        lambda: frozenset(ServiceMaterial.objects.filter(required=True).values_list("service_id", flat=True)),
    )


def branch_of(o: Any) -> Branch:
    """The order's branch, from the per-process cache unless the order carries it already."""
    if "branch" not in o._state.fields_cache:
        branch = config_cache.row(
            config_cache.ORGANIZATION,
            "branches",
            lambda: {b.pk: b for b in Branch.objects.all()},
            o.branch_id,
        )
        if branch is None:
            return o.branch  # type: ignore[no-any-return]
        o.branch = branch
    return o.branch  # type: ignore[no-any-return]


def materials_check_pending(o: Any) -> bool:
    """R-11: the order's service lists required materials and no materials check is recorded yet — the
    resolution and complaint-answer clocks do not start before it."""
    if not o.service_id or o.service_id not in _services_with_required_materials():
        return False
    if o.pk is None:  # a new order before its INSERT: nothing checked yet
        return True
    return not OrderMaterial.objects.filter(workorder_id=o.pk, checked_at__isnull=False).exists()


def on_materials_checked(o: Any, at: dt.datetime) -> list[dict[str, Any]]:
    """The materials check is recorded complete on an order that is not awaiting materials: the clocks
    that waited for it start now (a paused order's clocks start paused)."""
    report = []
    for kind, c in _current(o).items():
        if kind in MATERIAL_KINDS and c.status == ClockStatusChoices.NOT_STARTED and c.started_at is None:
            c.started_at = at
            if o.status == "pending_customer":
                _pause(c, at)
            _refresh(c, at)
            report.append(_event(c, "started"))
    if report:
        _sync_order_due(o)
    return report


_PREPARED_ATTR = "_kefu_new_clocks"  # (emergency match, clocks) computed before the new order's INSERT


def prepare_new_order(o: Any, at: dt.datetime) -> None:
    """Before a new order's INSERT: the emergency check and its clocks computed, its due time set on the
    object, so the order is written once with its due time; :func:`on_order_created` writes the clocks."""
    found = emergency.match(o.service_id, f"{o.title}\n{o.description}")
    setattr(o, EMERGENCY_ATTR, found is not None)
    created = _first_clocks(o, at)
    setattr(o, _PREPARED_ATTR, (found, created))
    chosen = _due_clock(created)
    o.due_at = chosen.due_at if chosen is not None else None
    o.due_provisional = (
        chosen is not None and o.due_at is not None and chosen.calendar_missing_year is not None
    )


def _first_clocks(o: Any, at: dt.datetime) -> list[OrderClock]:
    waiting = o.status == "awaiting_materials" or materials_check_pending(o)
    created = []
    for kind, rule in L.limits_for(limit_rules(), order_facts(o)).items():
        start = None if waiting and kind in MATERIAL_KINDS else o.received_at
        created.append(_new_clock(o, rule, 1, start, at, save=False))
    return created


def on_order_created(o: Any, at: dt.datetime) -> list[OrderClock]:
    """Create the order's clocks (inside the creating transaction); an emergency is flagged first. With
    :func:`prepare_new_order` called before the INSERT, what it computed is written (no second computation,
    the due time already in the order's row)."""
    prepared = getattr(o, _PREPARED_ATTR, None)
    if prepared is not None:
        delattr(o, _PREPARED_ATTR)
        found, created = prepared
    else:
        found = emergency.match(o.service_id, f"{o.title}\n{o.description}")
    if found is not None:
        emergency.mark(o, found, at)
        add_entry(
            o,
            TimelineEntry.Kind.SYSTEM,
            data={"event": "emergency", "reason": found.reason, "keyword": found.keyword},
            at=at,
        )
    setattr(o, EMERGENCY_ATTR, found is not None)
    if prepared is None:
        created = _first_clocks(o, at)
    if not batch.defer_insert(
        created
    ):  # one INSERT for all the new order's clocks (or with its other writes)
        OrderClock.objects.bulk_create(created)
    _sync_order_due(o, created)  # a new order has no other clocks (one of each kind); prepared: no UPDATE
    return created


def on_order_changed(o: Any, at: dt.datetime) -> list[dict[str, Any]]:
    """The order's type, service, area or priority changed: apply the limits that match now.

    An open clock whose rule now gives another limit or calendar keeps its start and pauses and counts
    with the new limit; a kind that now matches gets a new clock (started at receipt, not started while
    materials are awaited, paused while the customer is awaited); an open clock of a kind that no longer
    matches is cancelled. Ended clocks are never changed. (A later change of the customer's tier does not
    re-match: the order keeps the limits of its registration.)
    """
    if o.status in ("resolved", "closed"):
        return []
    wanted = L.limits_for(limit_rules(), order_facts(o))
    current = _current(o)
    report = []
    for kind, c in current.items():
        if c.status not in OPEN_CLOCK_STATUSES:
            continue
        rule = wanted.get(L.ClockKind(kind))
        if rule is None:
            _stop(c, at)
            c.status = ClockStatusChoices.CANCELLED
            _refresh(c, at)
            report.append(_event(c, "cancelled"))
            continue
        calendar_id = (
            around_the_clock_calendar_id() if rule.around_the_clock else calendar_id_for_branch(o.branch)
        )
        if (c.unit, Decimal(c.amount), c.calendar_id) != (rule.unit.value, Decimal(rule.amount), calendar_id):
            c.unit, c.amount, c.calendar_id, c.time_limit_id = (
                rule.unit.value,
                Decimal(rule.amount),
                calendar_id,
                rule.id,
            )
            if c.unit in WHOLE_UNITS and c.extension_amount != int(c.extension_amount):
                c.extension_amount = Decimal(int(c.extension_amount))
            _refresh(c, at)
            report.append(_event(c, "limit_changed"))
    for kind, rule in wanted.items():
        existing = current.get(kind.value)
        if existing is not None and existing.status != ClockStatusChoices.CANCELLED:
            continue
        material = kind in MATERIAL_KINDS
        waiting = o.status == "awaiting_materials" or materials_check_pending(o)
        start = None if material and waiting else o.received_at
        c = _new_clock(o, rule, existing.round + 1 if existing else 1, start, at)
        if material and o.status == "pending_customer" and _pause(c, at):
            _refresh(c, at)
        report.append(_event(c, "started"))
    _sync_order_due(o)
    return report


def _current(o: Any) -> dict[str, OrderClock]:
    """The latest round of each clock kind of the order."""
    result: dict[str, OrderClock] = {}
    for c in OrderClock.objects.filter(workorder=o).order_by("kind", "round"):
        result[c.kind] = c
    return result


def _pause(c: OrderClock, at: dt.datetime) -> bool:
    if c.started_at is None or c.stopped_at is not None or _is_paused(c):
        return False
    c.pauses = [*c.pauses, [_iso(max(at, c.started_at)), None]]
    return True


def _resume(c: OrderClock, at: dt.datetime) -> bool:
    if not _is_paused(c):
        return False
    start = _parse(c.pauses[-1][0])
    assert start is not None
    c.pauses = [*c.pauses[:-1], [c.pauses[-1][0], _iso(max(at, start))]]
    return True


def _stop(c: OrderClock, at: dt.datetime) -> None:
    _resume(c, at)
    if c.started_at is None:
        c.started_at = at  # never started (withdrawn while awaiting materials): empty clock
    c.stopped_at = max(at, c.started_at)


def on_status_change(o: Any, old: str, new: str, at: dt.datetime) -> list[dict[str, Any]]:
    """Apply the clock rules of the module doc to a status change of ``o`` (already saved).

    Returns what happened to the clocks (``[{"clock", "event", "due_at"}]``) for the caller's timeline
    entry and audit record of the status change (one entry per change, no separate clock entries).
    """
    if old == new:
        return []
    clocks = _current(o)
    events: dict[str, str] = {}
    for kind, c in clocks.items():
        if c.status not in OPEN_CLOCK_STATUSES:
            continue
        material = kind in MATERIAL_KINDS
        if new == "resolved":
            _stop(c, at)
            events[kind] = "stopped"
        elif new == "closed":
            overdue = c.status == ClockStatusChoices.BREACHED or (c.due_at is not None and c.due_at < at)
            _stop(c, at)
            if not overdue:
                c.status = ClockStatusChoices.CANCELLED
            events[kind] = "stopped"
        elif not material:
            continue
        elif new == "awaiting_materials":
            if old in ("new", "reopened") and not c.pauses:
                c.started_at = None
                events[kind] = "not_started"
            elif _pause(c, at):
                events[kind] = "paused"
        elif new == "pending_customer":
            if _pause(c, at):
                events[kind] = "paused"
        elif c.started_at is None:
            if materials_check_pending(o):
                continue  # not before the materials check is recorded
            c.started_at = at
            events[kind] = "started"
        elif _resume(c, at):
            events[kind] = "resumed"
    report = []
    for kind, event in events.items():
        c = clocks[kind]
        _refresh(c, at)
        report.append(_event(c, event))
    if new == "reopened":
        report += [_event(fresh, "started") for fresh in _reopen(o, clocks, at)]
    _sync_order_due(o)
    return report


def _event(c: OrderClock, event: str) -> dict[str, Any]:
    return {
        "clock": c.kind,
        "round": c.round,
        "event": event,
        "status": c.status,
        "due_at": c.due_at.isoformat() if c.due_at else None,
    }


def _reopen(o: Any, clocks: dict[str, OrderClock], at: dt.datetime) -> list[OrderClock]:
    """A new round of every clock kind the order's limits require, from the reopening, with the full
    limit (a kind whose latest round still runs keeps it)."""
    fresh = []
    for kind, rule in L.limits_for(limit_rules(), order_facts(o)).items():
        old = clocks.get(kind.value)
        if old is not None and old.status in OPEN_CLOCK_STATUSES:
            continue  # still running (cannot happen for clocks the resolution stopped)
        fresh.append(_new_clock(o, rule, (old.round + 1) if old else 1, at, at))
    return fresh


def on_first_reply(o: Any, at: dt.datetime) -> None:
    c = _current(o).get(L.ClockKind.FIRST_RESPONSE.value)
    if c is None or c.status not in OPEN_CLOCK_STATUSES:
        return
    _stop(c, at)
    _refresh(c, at)
    _sync_order_due(o)


def _log(o: Any, c: OrderClock, action: str, at: dt.datetime, actor: Any = None, **extra: Any) -> None:

    add_entry(
        o,
        TimelineEntry.Kind.SYSTEM,
        staff=getattr(actor, "staff", None) if actor is not None else None,
        data={
            "event": action,
            "clock": c.kind,
            "round": c.round,
            "due_at": c.due_at.isoformat() if c.due_at else None,
            **{k: str(v) for k, v in extra.items()},
        },
        at=at,
    )
    audit.record(
        actor,
        action,
        c,
        after={"status": c.status, "due_at": c.due_at, **extra},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} {c.kind}",
    )


# --- a later visit chosen by the customer (R-14, R-38) -------------------------------------------------------


def _without_planned(c: OrderClock, old: tuple[dt.datetime, dt.datetime], at: dt.datetime) -> bool:
    """Remove the planned pause ``old``; the part already passed at ``at`` stays (it was not counted)."""
    s, e = _iso(old[0]), _iso(old[1])
    for i, pause in enumerate(c.pauses):
        if pause[0] == s and pause[1] == e:
            kept = [] if old[0] >= at else [[s, _iso(min(old[1], at))]]
            c.pauses = [*c.pauses[:i], *kept, *c.pauses[i + 1 :]]
            return True
    return False


def set_planned_pause(
    o: Any,
    old: tuple[dt.datetime, dt.datetime] | None,
    new: tuple[dt.datetime, dt.datetime] | None,
    at: dt.datetime,
    actor: Any = None,
) -> list[dict[str, Any]]:
    """R-14/R-38: the customer chose a visit window later than the earliest one offered, so the order's
    resolution and complaint-answer clocks do not run from the earliest window's start to the chosen
    window's start (``new``). A reschedule replaces the previous interval (``old``), a cancellation removes
    it; a part of ``old`` already passed stays paused. Only started, open clocks are changed. Runs inside
    the caller's transaction with the order locked; returns what happened to the clocks."""
    report = []
    for kind, c in _current(o).items():
        if kind not in MATERIAL_KINDS or c.status not in OPEN_CLOCK_STATUSES or c.started_at is None:
            continue
        changed = _without_planned(c, old, at) if old is not None else False
        if new is not None and new[1] > max(new[0], at):
            pause = [_iso(max(new[0], at, c.started_at)), _iso(new[1])]
            # an open pause (pending customer) stays last: the engine resumes the last pause
            c.pauses = [*c.pauses[:-1], pause, c.pauses[-1]] if _is_paused(c) else [*c.pauses, pause]
            changed = True
        if changed:
            _refresh(c, at)
            report.append(_event(c, "planned_pause"))
            _log(o, c, "clock.visit_pause", at, actor, until=new[1].isoformat() if new else "")
    if report:
        _sync_order_due(o)
    return report


# --- unreachable reports and extensions (R-15) ------------------------------------------------------


def _responsible(staff: Staff, o: Any) -> bool:
    return staff.pk in (o.owner_id, o.assignee_id)


def _clock_of(user: Actor, clock_id: int, *, for_update: bool = True) -> tuple[OrderClock, Any]:

    c = OrderClock.objects.filter(pk=clock_id).select_related("workorder").first()
    if c is None:
        raise NotFound("not_found", _("No such clock."))
    o = access_workorder(user, c.workorder_id, for_update=for_update)
    c = OrderClock.objects.select_for_update().get(pk=c.pk) if for_update else c
    return c, o


def clock_of(user: Actor, clock_id: int) -> tuple[OrderClock, Any]:
    """The clock and its order, both locked (the order first), for another module of the engine."""
    return _clock_of(user, clock_id)


def refresh_and_sync(c: OrderClock, o: Any, at: dt.datetime) -> None:
    _refresh(c, at)
    _sync_order_due(o)


def log_clock(o: Any, c: OrderClock, action: str, at: dt.datetime, actor: Any = None, **extra: Any) -> None:
    _log(o, c, action, at, actor, **extra)


@transaction.atomic
def do_report_unreachable(
    user: Actor, clock_id: int, text: str, *, now: dt.datetime | None = None
) -> OrderClock:
    """R-14: the customer could not be reached / was not at home at the agreed visit; written report.

    Refused until the contact attempts of the company policy are recorded (``commitments.unreachable``);
    then filed as *pending* — the clock runs on — for the leader to decide. An approved report filed at or
    before the due time makes the clock count as met on time (status ``met_unreachable``).
    """
    staff = require_staff(user, "order.work")
    c, o = _clock_of(user, clock_id)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("required", _("Write what happened (who tried, when, how)."), "text")
    if c.status not in OPEN_CLOCK_STATUSES:
        raise ValidationFailed("clock_closed", _("This time limit has already ended."), "text")
    if c.started_at is None:
        raise ValidationFailed(
            "not_started", _("This time limit has not started yet (materials are incomplete)."), "text"
        )
    if c.unreachable_reported_at is not None and c.unreachable_status != "rejected":
        raise ValidationFailed(
            "already_reported", _("A report was already filed for this time limit."), "text"
        )
    at = now or clock.now()
    verdict = contact.verdict(c, at)
    if not verdict.ok:
        raise ValidationFailed("attempts_missing", contact.refusal(verdict), "text")
    c.unreachable_report = text
    c.unreachable_reported_at = at
    c.unreachable_reported_by = staff
    c.unreachable_status = "pending"
    c.unreachable_decided_by, c.unreachable_decided_at, c.unreachable_decision_note = None, None, ""
    _refresh(c, at)
    _sync_order_due(o)
    st = state(c, at)
    _log(
        o,
        c,
        "clock.unreachable",
        at,
        user,
        before_due=bool(st and st.due_at and at <= st.due_at),
        attempts=len(verdict.counted),
    )
    hooks.staff_event(
        hooks.StaffEventKind.UNREACHABLE_REPORTED,
        extension_deciders(staff, o),
        order=o,
        actor=staff,
        at=at,
        clock=c.kind,
        reason=text[:200],
    )
    return c


def _extension_allowed(c: OrderClock, at: dt.datetime) -> bool:
    """Whether the clock runs before its (possibly provisional) deadline."""
    cal = work_calendar(c.calendar_id)
    missing: list[int] = []
    while True:
        try:
            return rules.extension_allowed(rules_clock(c), rules.provisional_calendar(cal, missing), at)
        except rules.CalendarDataMissing as exc:
            if exc.year not in missing and len(missing) < rules.MAX_PROVISIONAL_YEARS:
                missing.append(exc.year)
                continue
            raise ValidationFailed(
                "calendar_missing",
                _(
                    "The calendar has no holiday data for %(year)d, so the deadline is unknown; ask an administrator."
                )
                % {"year": exc.year},
                "amount",
            ) from None


def _check_amount(c: OrderClock, amount: Any) -> Decimal:
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationFailed("invalid", _("Enter a number."), "amount") from None
    if not value.is_finite() or value <= 0 or value > 1000:  # NaN cannot even be compared
        raise ValidationFailed("invalid", _("Enter a positive amount."), "amount")
    if c.unit in WHOLE_UNITS and value != value.to_integral_value():
        raise ValidationFailed(
            "whole_days",
            _("Working days must be whole days.")
            if c.unit == rules.Unit.WORKING_DAYS
            else _("Months must be whole months."),
            "amount",
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("invalid", _("At most two decimals."), "amount")
    return value


@transaction.atomic
def do_request_extension(
    user: Actor, clock_id: int, amount: Any, reason: str, *, now: dt.datetime | None = None
) -> ExtensionRequest:
    """R-15: the responsible staff (owner or assignee) asks a leader for more time, before the deadline."""
    staff = require_staff(user, "order.work")
    c, o = _clock_of(user, clock_id)
    if not _responsible(staff, o):
        raise PermissionDenied(
            "not_responsible", _("Only the order's owner or assignee can request an extension.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("required", _("Give the reason for the extension."), "reason")
    value = _check_amount(c, amount)
    at = now or clock.now()
    if not _extension_allowed(c, at):
        raise ValidationFailed(
            "deadline_passed",
            _("An extension can only be requested while the time limit runs, before its deadline."),
            "amount",
        )
    if c.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationFailed(
            "pending", _("An extension request is already waiting for a decision."), "amount"
        )
    req = ExtensionRequest.objects.create(
        clock=c, requested_by=staff, requested_at=at, amount=value, reason=reason
    )
    _log(o, c, "clock.extension_requested", at, user, amount=value, reason=reason[:200])
    hooks.staff_event(
        hooks.StaffEventKind.EXTENSION_REQUESTED,
        extension_deciders(staff, o),
        order=o,
        actor=staff,
        at=at,
        clock=c.kind,
        reason=reason[:200],
    )
    return req


def extension_deciders(requester: Staff, o: Any) -> list[int]:
    """Who is told of an extension request: the requester's active leader, else the supervisors of the
    order's branch (``may_decide`` lets both decide)."""
    lead = requester.leader
    if lead is not None and lead.is_active and lead.pk != requester.pk:
        return [lead.pk]
    return list(
        Staff.objects.filter(role="supervisor", is_active=True, branch_id=o.branch_id)
        .exclude(pk=requester.pk)
        .values_list("pk", flat=True)
    )


def may_decide(staff: Staff, req: ExtensionRequest, o: Any) -> bool:
    """The requester's leader, a supervisor of the order's branch (or of the company), or an admin."""
    if staff.pk == req.requested_by_id:
        return False
    if staff.role == "admin" and staff.is_active:
        return True
    if req.requested_by.leader_id == staff.pk:
        return True
    return staff.role == "supervisor" and staff.branch_id in (None, o.branch_id)


@transaction.atomic
def do_decide_extension(
    user: Actor, request_id: int, approve: bool, note: str = "", *, now: dt.datetime | None = None
) -> ExtensionRequest:
    """A leader approves or rejects; only an approval before the deadline moves the due time."""
    staff = require_staff(user)
    req = ExtensionRequest.objects.select_related("requested_by", "clock").filter(pk=request_id).first()
    if req is None:
        raise NotFound("not_found", _("No such extension request."))
    c, o = _clock_of(user, req.clock_id)
    req = ExtensionRequest.objects.select_for_update().select_related("requested_by").get(pk=req.pk)
    if not may_decide(staff, req, o):
        raise PermissionDenied(
            "not_leader",
            _("Only the requester's leader, a branch supervisor or an administrator can decide."),
        )
    if req.status != ExtensionStatus.PENDING:
        raise ValidationFailed("decided", _("This request has already been decided."), "approve")
    at = now or clock.now()
    if approve and not _extension_allowed(c, at):
        raise ValidationFailed(
            "deadline_passed",
            _("The deadline has passed; an extension can no longer be approved."),
            "approve",
        )
    req.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_note = staff, at, (note or "").strip()
    req.save()
    if approve:
        c.extension_amount += req.amount
        _refresh(c, at)
        _sync_order_due(o)
    _log(o, c, f"clock.extension_{req.status}", at, user, amount=req.amount, note=req.decision_note[:200])
    hooks.staff_event(
        hooks.StaffEventKind.EXTENSION_DECIDED,
        [req.requested_by_id],
        order=o,
        actor=staff,
        at=at,
        approved=approve,
        note=req.decision_note[:200],
    )
    return req


def decidable_extensions(staff: Staff) -> QuerySet[ExtensionRequest]:
    """The extension requests ``staff`` may decide (:func:`may_decide` as a query, for the leaders' inbox):
    the requests of the people they lead, a supervisor's of their branch (all for company level), an
    administrator's all; never their own."""
    qs = ExtensionRequest.objects.exclude(requested_by=staff)
    if not staff.is_active:
        return qs.none()
    if staff.role == "admin" or (staff.role == "supervisor" and staff.branch_id is None):
        return qs
    mine = Q(requested_by__leader=staff)
    if staff.role == "supervisor":
        mine |= Q(clock__workorder__branch_id=staff.branch_id)
    return qs.filter(mine)


def pending_extensions_for(staff: Staff) -> list[ExtensionRequest]:
    """Pending requests this staff member may decide (for the leaders' page)."""
    qs = (
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("clock__workorder", "requested_by")
        .order_by("requested_at")
    )
    return [r for r in qs if may_decide(staff, r, r.clock.workorder)]


def remaining_until(
    unit: str | None, calendar_id: int | None, due: dt.datetime | None, now: dt.datetime
) -> dt.timedelta | None:
    """Time left until ``due`` as the clock counts it: real time for calendar hours, else working time on the
    clock's calendar (negative when overdue). ``None`` without a due time or with missing calendar data."""
    if due is None or unit is None or calendar_id is None:
        return None
    if rules.is_real_time(unit):
        return due - now
    try:
        cal = work_calendar(calendar_id)
        if due >= now:
            return rules.working_time_between(now, due, cal)
        return -rules.working_time_between(due, now, cal)
    except (rules.CalendarDataMissing, BusinessCalendar.DoesNotExist):
        return None


def time_left(
    unit: str | None, calendar_id: int | None, due: dt.datetime | None, now: dt.datetime
) -> TimeLeft | None:
    """``remaining_until`` with how it was counted, for ``kefu.lib.durations.format_time_left``."""
    delta = remaining_until(unit, calendar_id, due, now)
    if delta is None or unit is None or calendar_id is None:
        return None
    if rules.is_real_time(unit):
        return TimeLeft(delta)
    return TimeLeft(delta, working=True, working_day=rules.working_day_length(work_calendar(calendar_id)))

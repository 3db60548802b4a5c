"""The staffing table: recorded arrivals per half hour → agents needed (Erlang C) next to the roster.

Arrivals are counted in the current time zone (the user's branch): phone calls (``Call.started_at``) and,
when chosen, the other inbound contacts (``Contact`` rows of every channel but phone — a phone call is
already counted as a call). For a date range and one weekday (or every day) the average arrivals of a
half-hour slot are ``arrivals in that slot ÷ number of matching days``; the agents needed follow from
:mod:`kefu.reports.erlang`, the roster from :class:`~kefu.knowledge.models.Shift` (a shift counts for a
slot it covers completely; the rostered figure is the average over the matching days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from kefu.channels.models.gateways import Call
from kefu.customers.models import Channel, Contact
from kefu.knowledge.models import Shift
from kefu.organization.models import Staff
from kefu.reports import erlang
from kefu.reports import staffing_rules as rules


@dataclass(frozen=True)
class Params:
    start: dt.date
    end: dt.date
    weekday: int | None  # 0 = Monday … 6 = Sunday; None = every day
    aht_seconds: int = 180
    target_level: float = 0.80
    target_seconds: int = 20
    shrinkage: float = 0.30
    source: str = "calls"  # calls | contacts | both
    branch_id: int | None = None  # None: every branch the user sees


@dataclass(frozen=True)
class Row:
    slot: int
    label: str
    arrivals: float  # average per matching day
    traffic: float
    agents: int
    needed: int  # rostered agents needed after shrinkage
    service_level: float
    rostered: float  # average shifts covering the slot
    gap: float  # rostered − needed (negative = short)


def matching_days(p: Params) -> list[dt.date]:
    days = []
    d = p.start
    while d <= p.end:
        if p.weekday is None or d.weekday() == p.weekday:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _slot_counts(qs: QuerySet[Any], field: str, days: set[dt.date]) -> list[int]:
    """Arrivals per slot over ``days``: one grouped query (date, hour, minute) in the current zone."""
    tz = timezone.get_current_timezone()
    counts = [0] * rules.SLOTS_PER_DAY
    rows = (
        qs.annotate(
            d=TruncDate(field, tzinfo=tz),
            h=ExtractHour(field, tzinfo=tz),
            m=ExtractMinute(field, tzinfo=tz),
        )
        .values("d", "h", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        if r["d"] in days:
            counts[(r["h"] * 60 + r["m"]) // rules.SLOT_MINUTES] += r["n"]
    return counts


def _bounds(p: Params) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(p.start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(p.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def arrivals(p: Params, branch_ids: list[int] | None) -> list[int]:
    """Total arrivals per slot over the matching days (``branch_ids`` None: every branch)."""
    days = set(matching_days(p))
    lo, hi = _bounds(p)
    total = [0] * rules.SLOTS_PER_DAY
    if p.source in ("calls", "both"):
        calls = Call.objects.filter(started_at__gte=lo, started_at__lt=hi)
        if branch_ids is not None:
            calls = calls.filter(branch_id__in=branch_ids)
        total = [a + b for a, b in zip(total, _slot_counts(calls, "started_at", days), strict=True)]
    if p.source in ("contacts", "both"):
        contacts = Contact.objects.filter(
            occurred_at__gte=lo, occurred_at__lt=hi, direction=Contact.Direction.INBOUND
        ).exclude(channel=Channel.PHONE)
        if branch_ids is not None:
            contacts = contacts.filter(customer__branch_id__in=branch_ids)
        total = [a + b for a, b in zip(total, _slot_counts(contacts, "occurred_at", days), strict=True)]
    return total


def measured_aht(p: Params, branch_ids: list[int] | None) -> int | None:
    """Average talk time (answered → ended) of the period's answered calls, in whole seconds; None without
    any. Shown next to the handling-time input (after-call work is not recorded, so it is a lower bound)."""
    lo, hi = _bounds(p)
    qs = Call.objects.filter(
        started_at__gte=lo, started_at__lt=hi, answered_at__isnull=False, ended_at__gt=F("answered_at")
    )
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    avg = qs.aggregate(
        d=Avg(ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField()))
    )["d"]
    return round(avg.total_seconds()) if avg is not None else None


def roster(p: Params, branch_ids: list[int] | None) -> list[float]:
    """Average number of shifts covering each slot over the matching days."""
    days = matching_days(p)
    if not days:
        return [0.0] * rules.SLOTS_PER_DAY
    # the agents who answer: technicians' duty shifts (emergency call-out) are no answering capacity
    shifts = Shift.objects.filter(
        date__gte=p.start - dt.timedelta(days=1), date__lte=p.end, staff__role="agent"
    )
    if branch_ids is not None:
        shifts = shifts.filter(staff__branch_id__in=branch_ids)
    spans: dict[dt.date, list[rules.ShiftSpan]] = {}
    for d, s, e in shifts.values_list("date", "start", "end"):
        spans.setdefault(d, []).append(rules.ShiftSpan(d, s, e))
    total = [0] * rules.SLOTS_PER_DAY
    for day in days:
        cover = rules.slot_coverage(day, spans.get(day, []) + spans.get(day - dt.timedelta(days=1), []))
        total = [a + b for a, b in zip(total, cover, strict=True)]
    return [t / len(days) for t in total]


def table(p: Params, branch_ids: list[int] | None) -> list[Row]:
    days = matching_days(p)
    n_days = max(len(days), 1)
    arr = arrivals(p, branch_ids)
    ros = roster(p, branch_ids)
    rows = []
    for slot in range(rules.SLOTS_PER_DAY):
        avg = arr[slot] / n_days
        s = erlang.staffing(
            avg, p.aht_seconds, rules.SLOT_MINUTES * 60, p.target_level, p.target_seconds, p.shrinkage
        )
        rows.append(
            Row(
                slot=slot,
                label=rules.slot_label(slot),
                arrivals=round(avg, 2),
                traffic=round(s.traffic, 2),
                agents=s.agents,
                needed=s.rostered,
                service_level=s.service_level,
                rostered=round(ros[slot], 1),
                gap=round(ros[slot] - s.rostered, 1),
            )
        )
    return rows


def branch_scope(staff: Staff, branch_id: int | None) -> list[int] | None:
    """The branches counted: a branch-level supervisor only their own; company-level staff every branch
    or the one chosen."""
    if staff.branch_id is not None and not staff.sees_all_branches:
        return [staff.branch_id]
    return [branch_id] if branch_id else None

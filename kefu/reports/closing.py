"""Closed periods: the KPI figures of a month (or year) frozen once it is over (docs/kpis.md, "Closed months").

A month's figures keep moving for a few days after it ends — an order received on the 31st is answered on
the 1st, a follow-up due on the 31st is done on the 2nd — and then settle. After
``KEFU_REPORT_CLOSE_AFTER_DAYS`` days the job ``reports.close_periods`` counts the month once, with the same
queries as a live report (:func:`kefu.reports.queries.live_pairs_many`), for every dimension and KPI, and
stores the counts per row and per branch (:class:`~kefu.reports.models.KpiFigure`). From then on the month's
sheets, company row and dashboard read those rows — a few hundred, whatever the number of orders — instead
of counting up to a million orders again; this is what makes a monthly report fast at scale and what
managers are judged on: a published assessment does not change afterwards. A change to old data after the
close (a re-classified order, a corrected area) is reflected only when the period is recomputed (back
office → Closed periods → "Recompute", audited). The drill-down lists always show the rows as they are now.

The periods not closed yet — the current month and year, and a month still in its days of grace — are
counted the same way every ``KEFU_REPORT_REFRESH_MINUTES`` by the job ``reports.refresh_open`` and stored as a
*provisional* close (a snapshot). Their reports read the snapshot while it is younger than three intervals
(so a stopped worker never shows old figures as current), say when it was counted, and offer to count now
(``?live=1``); closing the period replaces the snapshot.

Figures are computed in the company's time zone (``TIME_ZONE``); a viewer whose own time zone draws the
month's bounds elsewhere gets a live count.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.reports import kpis, queries
from kefu.reports.kpis import Dim, Kpi, Period, Ratio
from kefu.reports.models import ClosedPeriod, KpiFigure
from kefu.workorders.models import WorkOrder

DIMS = (Dim.AREA, Dim.STAFF, Dim.BRANCH, Dim.OUTLET)
CLOSE_LOCK = 0x4B4546  # PostgreSQL advisory lock class of "counting a period" (with the period as key)
CAUSE = "cause"  # KpiFigure.dim of the complaints per cause (the dashboard's Pareto)


def tz_name(tz: dt.tzinfo) -> str:
    return str(getattr(tz, "key", tz))


def _month(period: Period) -> int:
    return period.month or 0


def snapshot_max_age() -> dt.timedelta | None:
    """How old a provisional snapshot may be to be read (None: snapshots are off)."""
    minutes = settings.KEFU_REPORT_REFRESH_MINUTES
    return dt.timedelta(minutes=3 * minutes) if minutes > 0 else None


def usable(cp: ClosedPeriod, live: bool = False) -> bool:
    """A close is read by reports; a snapshot only when fresh and the viewer did not ask to count now."""
    if not cp.provisional:
        return True
    age = snapshot_max_age()
    return not live and age is not None and cp.closed_at >= clock.now() - age


def closed(period: Period, tz: dt.tzinfo | None = None, live: bool = False) -> ClosedPeriod | None:
    """The period's close (or fresh snapshot), if there is one in the time zone ``tz`` (default: the
    current one) that reports should read; ``live`` skips snapshots (never a real close)."""
    cp = ClosedPeriod.objects.filter(year=period.year, month=_month(period)).first()
    if cp is None or cp.tz != tz_name(tz or timezone.get_current_timezone()) or not usable(cp, live):
        return None
    return cp


def _pairs(rows: Any, branch_ids: tuple[int, ...] | None) -> dict[str, dict[tuple[Any, Any], Ratio]]:
    out: dict[str, dict[tuple[Any, Any], Ratio]] = {}
    for f in rows:
        if branch_ids is not None and f.branch_id not in branch_ids:
            continue
        out.setdefault(f.kpi, {})[(f.key, f.branch_id)] = Ratio(f.num, f.den, f.extra)
    return out


def figures(kpi_list: list[Kpi], dim: Dim, scope: Any) -> dict[Kpi, dict[tuple[Any, Any], Ratio]] | None:
    """The frozen counts of a closed period for ``scope`` (a :class:`kefu.reports.queries.Scope`), or None
    when the period is not closed (two queries when it is, one when not)."""
    cp = closed(scope.period, scope.tz, scope.live)
    if cp is None:
        return None
    rows = KpiFigure.objects.filter(period=cp, dim=dim.value, kpi__in=[k.value for k in kpi_list])
    if scope.branch_ids is not None:
        rows = rows.filter(branch_id__in=scope.branch_ids)
    got = _pairs(rows.only("kpi", "key", "branch_id", "num", "den", "extra"), scope.branch_ids)
    return {k: got.get(k.value, {}) for k in kpi_list}


def cause_figures(scope: Any) -> dict[tuple[Any, Any], Ratio] | None:
    """The frozen complaints per (cause, branch) of a closed period (None when it is not closed)."""
    cp = closed(scope.period, scope.tz, scope.live)
    if cp is None:
        return None
    rows = KpiFigure.objects.filter(period=cp, dim=CAUSE, kpi=Kpi.COMPLAINT_RATE.value)
    if scope.branch_ids is not None:
        rows = rows.filter(branch_id__in=scope.branch_ids)
    return _pairs(rows.only("kpi", "key", "branch_id", "num", "den", "extra"), scope.branch_ids).get(
        Kpi.COMPLAINT_RATE.value, {}
    )


def monthly_figures(
    months: list[Period],
    kpi_list: list[Kpi],
    branch_ids: tuple[int, ...] | None,
    tz: dt.tzinfo,
    live: bool = False,
) -> dict[Period, dict[Kpi, dict[tuple[Any, Any], Ratio]]]:
    """The branch figures of those of ``months`` that are closed or have a fresh snapshot (in ``tz``), in
    two queries."""
    wanted = {(m.year, _month(m)): m for m in months}
    closes = [
        cp
        for cp in ClosedPeriod.objects.filter(year__in={m.year for m in months}, tz=tz_name(tz))
        if (cp.year, cp.month) in wanted and usable(cp, live)
    ]
    if not closes:
        return {}
    rows = KpiFigure.objects.filter(
        period__in=closes, dim=Dim.BRANCH.value, kpi__in=[k.value for k in kpi_list]
    ).only("period_id", "kpi", "key", "branch_id", "num", "den", "extra")
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    by_close: dict[int, list[KpiFigure]] = {}
    for f in rows:
        by_close.setdefault(f.period_id, []).append(f)
    out = {}
    for cp in closes:
        got = _pairs(by_close.get(cp.pk, []), branch_ids)
        out[wanted[(cp.year, cp.month)]] = {k: got.get(k.value, {}) for k in kpi_list}
    return out


def _count(scope: queries.Scope) -> list[tuple[str, str, Any, Any, Any, Any, Any]]:
    """Every figure of a close: (dim, kpi, key, branch, num, den, extra) for each dimension and KPI, and the
    Pareto of complaint causes."""
    out: list[tuple[str, str, Any, Any, Any, Any, Any]] = [
        (dim.value, k.value, key, branch, r.num, r.den, r.extra)
        for dim in DIMS
        for k, pairs in queries.live_pairs_many(kpis.ALL_KPIS, dim, scope).items()
        for (key, branch), r in pairs.items()
    ]
    out += [
        (CAUSE, Kpi.COMPLAINT_RATE.value, key, branch, r.num, 0, 0)
        for (key, branch), r in queries.cause_pairs(scope).items()
    ]
    return out


def close_period(
    period: Period, *, by: Any = None, tz: dt.tzinfo | None = None, provisional: bool = False
) -> ClosedPeriod:
    """Count ``period`` for the whole company and store the figures (replacing an earlier close or
    snapshot); ``provisional`` stores a snapshot of a period not over (not audited: it changes no data,
    it is recounted every few minutes)."""

    tz = tz or timezone.get_default_timezone()
    scope = queries.Scope(period, None, tz)
    started = time.monotonic()
    # SQLite: a transaction holds the one write lock from its first statement (BEGIN IMMEDIATE), so the
    # counting — seconds at 10,000 orders on a busy machine — runs before it, on WAL reads that block no
    # one; otherwise every reply and e-mail of the embedded default waits behind it and, after
    # busy_timeout, fails with "database is locked" (bench/sqlite_embedded.py). PostgreSQL counts inside,
    # after the advisory lock: one count of a period at a time.
    counted = None if connection.vendor == "postgresql" else _count(scope)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one count of a period at a time (the job, the snapshot job,
            with connection.cursor() as cur:  # the back office): the second waits and then replaces it
                cur.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [CLOSE_LOCK, period.year * 100 + _month(period)]
                )
        earlier = ClosedPeriod.objects.filter(year=period.year, month=_month(period)).first()
        if provisional and earlier is not None and not earlier.provisional:
            return earlier  # closed meanwhile: a snapshot never replaces a close
        if counted is None:
            counted = _count(scope)
        ClosedPeriod.objects.filter(year=period.year, month=_month(period)).delete()
        cp = ClosedPeriod.objects.create(
            year=period.year,
            month=_month(period),
            tz=tz_name(tz),
            closed_at=clock.now(),
            closed_by=getattr(by, "user", by) if by is not None and getattr(by, "pk", None) else None,
            provisional=provisional,
        )
        rows = [
            KpiFigure(period=cp, dim=dim, kpi=kpi, key=key, branch_id=branch, num=num, den=den, extra=extra)
            for dim, kpi, key, branch, num, den, extra in counted
        ]
        KpiFigure.objects.bulk_create(rows, batch_size=2000)
        cp.figures = len(rows)
        cp.duration_ms = int((time.monotonic() - started) * 1000)
        cp.save(update_fields=["figures", "duration_ms"])
        if not provisional or by is not None:  # the job's snapshots change no data: not audited
            audit.record(by, "reports.close", cp, after={"figures": cp.figures, "tz": cp.tz}, summary=str(cp))
    return cp


def due_periods(today: dt.date, after_days: int | None = None) -> list[Period]:
    """Months and years over, with ``after_days`` of grace, since the first order, that are not closed."""
    grace = settings.KEFU_REPORT_CLOSE_AFTER_DAYS if after_days is None else after_days
    if grace < 0:
        return []

    first = WorkOrder.objects.aggregate(m=Min("received_at"))["m"]
    if first is None:
        return []
    tz = timezone.get_default_timezone()
    first_day = timezone.localtime(first, tz).date()
    done = set(ClosedPeriod.objects.filter(provisional=False).values_list("year", "month"))
    out: list[Period] = []
    y, m = first_day.year, first_day.month
    while True:
        p = Period(y, m)
        if p.end_day + dt.timedelta(days=grace) > today:
            break
        if (y, m) not in done:
            out.append(p)
        if m == 12:
            if (y, 0) not in done:
                out.append(Period(y))
            y, m = y + 1, 1
        else:
            m += 1
    return out


def close_due(today: dt.date | None = None) -> list[Period]:
    """The job: close every period that is due (each in its own transaction)."""
    today = today or timezone.localdate(clock.now(), timezone.get_default_timezone())
    periods = due_periods(today)
    for p in periods:
        close_period(p)
    return periods


def open_periods(today: dt.date, after_days: int | None = None) -> list[Period]:
    """The periods reports are asked about that are not closed: the months from ``after_days`` of grace
    ago to ``today``'s and their years (each once), without those already closed."""
    grace = settings.KEFU_REPORT_CLOSE_AFTER_DAYS if after_days is None else after_days
    since = today - dt.timedelta(days=max(grace, 0))
    done = set(ClosedPeriod.objects.filter(provisional=False).values_list("year", "month"))
    out: list[Period] = []
    y, m = since.year, since.month
    while (y, m) <= (today.year, today.month):
        out.append(Period(y, m))
        if m == 12 or (y, m) == (today.year, today.month):
            out.append(Period(y))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [p for p in out if (p.year, _month(p)) not in done]


def refresh_open(today: dt.date | None = None) -> list[Period]:
    """The job: recount the snapshots of the open periods (nothing when snapshots are off)."""
    if snapshot_max_age() is None:
        return []
    today = today or timezone.localdate(clock.now(), timezone.get_default_timezone())
    periods = open_periods(today)
    for p in periods:
        close_period(p, provisional=True)
    return periods

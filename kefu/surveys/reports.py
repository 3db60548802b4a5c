"""Quality report (R-22, R-23): aggregate queries over survey responses and resolved orders.

Every figure is one aggregate query whatever the number of rows (no per-row queries): the scores are
stored on ``Response``; the service levels read each resolved order with its latest answer and its
resolution clock as subqueries of a single ``SELECT``. Formulas: ``rules.py`` and docs/quality.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kefu.commitments.models import OrderClock
from kefu.organization.models import Staff
from kefu.surveys import rules
from kefu.surveys.models import Response, Sat4Choices, SatisfactionRecord, SatisfactionSource
from kefu.workorders.models import WorkOrder


@dataclass
class Filters:
    branch_ids: list[int] | None = None  # None: every branch (company-level staff); [] sees nothing
    area_id: int | None = None
    staff_id: int | None = None
    service_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


def _day_bounds(f: Filters) -> tuple[dt.datetime | None, dt.datetime | None]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz) if f.date_from else None
    end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if f.date_to else None
    return start, end


def _scoped(qs: QuerySet[Any], f: Filters, *, prefix: str, service: str, staff: Q, at: str) -> QuerySet[Any]:
    """``qs`` narrowed to the filters: branch and area at ``prefix`` (``""``: the rows' own fields), the
    service field ``service``, the staff condition ``staff`` (used when a staff member is chosen) and the
    period on the time field ``at``."""
    if f.branch_ids is not None:
        qs = qs.filter(**{f"{prefix}branch_id__in": f.branch_ids})
    if f.area_id:
        qs = qs.filter(**{f"{prefix}area_id": f.area_id})
    if f.staff_id:
        qs = qs.filter(staff)
    if f.service_id:
        qs = qs.filter(**{service: f.service_id})
    start, end = _day_bounds(f)
    if start:
        qs = qs.filter(**{f"{at}__gte": start})
    if end:
        qs = qs.filter(**{f"{at}__lt": end})
    return qs


def responses(f: Filters) -> QuerySet[Response]:
    return _scoped(
        Response.objects.all(),
        f,
        prefix="invitation__workorder__",
        service="invitation__workorder__service_id",
        staff=Q(invitation__staff_id=f.staff_id),
        at="submitted_at",
    )


def records(f: Filters) -> QuerySet[SatisfactionRecord]:
    """The satisfaction records (every source) of the filters: where each counts was fixed when it was
    recorded (branch, area, staff member who served); the service is the order's; the period by the
    answer's time."""
    return _scoped(
        SatisfactionRecord.objects.all(),
        f,
        prefix="",
        service="workorder__service_id",
        staff=Q(staff_id=f.staff_id),
        at="recorded_at",
    )


def resolved_orders(f: Filters) -> QuerySet[WorkOrder]:
    return _scoped(
        WorkOrder.objects.filter(resolved_at__isnull=False, merged_into__isnull=True),
        f,
        prefix="",
        service="service_id",
        staff=Q(assignee_id=f.staff_id) | Q(assignee__isnull=True, owner_id=f.staff_id),
        at="resolved_at",
    )


@dataclass
class Scores:
    responses: int = 0
    csat_n: int = 0
    csat_satisfied: int = 0
    csat: float | None = None
    nps_n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    nps: float | None = None
    sat4_counts: dict[str, int] = field(default_factory=dict)
    sat4_n: int = 0
    satisfaction_rate: float | None = None
    servqual_n: int = 0
    gaps: dict[str, float | None] = field(default_factory=dict)
    largest_gap: str | None = None
    servqual_unweighted: float | None = None
    servqual_weighted: float | None = None


def _satisfaction_agg() -> dict[str, Any]:
    agg: dict[str, Any] = {
        "n": Count("id"),
        "csat_n": Count("id", filter=Q(csat__isnull=False)),
        "csat_ok": Count("id", filter=Q(csat__gte=4)),
        "nps_n": Count("id", filter=Q(nps__isnull=False)),
        "prom": Count("id", filter=Q(nps__gte=9)),
        "pas": Count("id", filter=Q(nps__gte=7, nps__lte=8)),
        "det": Count("id", filter=Q(nps__lte=6)),
    }
    for value, _label in Sat4Choices.choices:
        agg[f"s4_{value}"] = Count("id", filter=Q(sat4=value))
    return agg


def _fill(s: Scores, row: dict[str, Any]) -> Scores:
    s.csat_n, s.csat_satisfied = row["csat_n"], row["csat_ok"]
    s.csat = rules.csat_from_counts(s.csat_satisfied, s.csat_n)
    s.nps_n, s.promoters, s.passives, s.detractors = row["nps_n"], row["prom"], row["pas"], row["det"]
    s.nps = rules.nps_from_counts(s.promoters, s.detractors, s.nps_n)
    s.sat4_counts = {v: row[f"s4_{v}"] for v, _l in Sat4Choices.choices}
    s.sat4_n = sum(s.sat4_counts.values())
    s.satisfaction_rate = rules.satisfaction_rate_from_counts(s.sat4_counts)
    return s


def by_source(f: Filters) -> dict[str, Scores]:
    """CSAT, NPS and the satisfaction rate per source (follow-up, survey by link, counter), one grouped
    query; the combined figure (:func:`scores`) pools the answers of every source (docs/quality.md)."""
    out = {v: Scores() for v, _l in SatisfactionSource.choices}
    rows: Any = records(f).values("source").annotate(**_satisfaction_agg()).order_by()
    for row in rows:
        out[row["source"]] = _fill(Scores(responses=row["n"]), row)
    return out


def scores(f: Filters) -> Scores:
    """CSAT, NPS and satisfaction rate of the filtered satisfaction records of every source (one query),
    SERVQUAL gaps of the filtered survey responses (one query)."""
    agg: dict[str, Any] = {
        "sq_n": Count("id", filter=Q(servqual_unweighted__isnull=False)),
        "sq_u": Avg("servqual_unweighted"),
        "sq_w": Avg("servqual_weighted"),
    }
    for d in rules.DIMENSIONS:
        agg[f"g_{d.value}"] = Avg(f"gap_{d.value}")
    row = {**responses(f).aggregate(**agg), **records(f).aggregate(**_satisfaction_agg())}
    s = _fill(Scores(responses=row["n"]), row)
    s.servqual_n = row["sq_n"]
    s.gaps = {d.value: row[f"g_{d.value}"] for d in rules.DIMENSIONS}
    known = {d: g for d, g in s.gaps.items() if g is not None}
    if known:
        s.largest_gap = min(known, key=lambda d: (known[d], [x.value for x in rules.DIMENSIONS].index(d)))
    s.servqual_unweighted, s.servqual_weighted = row["sq_u"], row["sq_w"]
    return s


def by_staff(f: Filters, limit: int = 50) -> list[dict[str, Any]]:
    """CSAT and NPS per staff member who served the customer (one grouped query + one for the names)."""
    rows = list(
        records(f)
        .filter(staff__isnull=False)
        .values("staff_id")
        .annotate(
            n=Count("id"),
            csat_n=Count("id", filter=Q(csat__isnull=False)),
            csat_ok=Count("id", filter=Q(csat__gte=4)),
            nps_n=Count("id", filter=Q(nps__isnull=False)),
            prom=Count("id", filter=Q(nps__gte=9)),
            det=Count("id", filter=Q(nps__lte=6)),
        )
        .order_by("-n", "staff_id")[:limit]
    )
    names = dict(Staff.objects.filter(pk__in=[r["staff_id"] for r in rows]).values_list("pk", "name"))
    return [
        {
            "staff": names.get(r["staff_id"], "?"),
            "n": r["n"],
            "csat": rules.csat_from_counts(r["csat_ok"], r["csat_n"]),
            "nps": rules.nps_from_counts(r["prom"], r["det"], r["nps_n"]),
        }
        for r in rows
    ]


def level_rows(f: Filters, source: str | None = None) -> list[dict[str, Any]]:
    """One row per resolved order: its latest answer and its last resolution clock (one query)."""
    latest = SatisfactionRecord.objects.filter(workorder=OuterRef("pk")).order_by("-recorded_at", "-id")
    if source:
        latest = latest.filter(source=source)
    clock = OrderClock.objects.filter(workorder=OuterRef("pk"), kind="resolution").order_by("-round")
    rows: Any = (
        resolved_orders(f)
        .annotate(
            r_csat=Subquery(latest.values("csat")[:1]),
            r_nps=Subquery(latest.values("nps")[:1]),
            r_sat4=Subquery(latest.values("sat4")[:1]),
            c_started=Subquery(clock.values("started_at")[:1]),
            c_stopped=Subquery(clock.values("stopped_at")[:1]),
            c_due=Subquery(clock.values("due_at")[:1]),
        )
        .values("pk", "resolved_at", "r_csat", "r_nps", "r_sat4", "c_started", "c_stopped", "c_due")
        .order_by()
    )
    return [dict(r) for r in rows]


def outcome(row: dict[str, Any]) -> rules.OrderOutcome:
    return rules.OrderOutcome(
        resolved=True,
        finished_at=row["c_stopped"] or row["resolved_at"],
        started_at=row["c_started"],
        due_at=row["c_due"],
        satisfaction=rules.satisfaction_grade(
            csat_score=row["r_csat"], nps_score=row["r_nps"], sat4=row["r_sat4"] or None
        ),
    )


def levels(f: Filters, source: str | None = None) -> dict[str, int]:
    """Distribution of the four service levels (plus "unrated") over the filtered resolved orders, graded
    by the order's latest satisfaction answer of any source (``source``: of that source only)."""
    return rules.level_distribution(rules.service_level(outcome(r)) for r in level_rows(f, source))

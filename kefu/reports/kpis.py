"""KPI definitions, formulas and assessment scoring (R-31, R-32). Pure: no Django, no I/O.

Every KPI is a ratio ``numerator ÷ denominator`` times a scale (1,000 for the complaint rate, 100 for the
percentages). ``queries.py`` computes the two counts per area, staff member or branch with one aggregate
query per KPI; this module turns counts into values, compares them with targets and scores them.
Formulas in words: docs/kpis.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from kefu.lib import units
from kefu.lib.units import PLACES, SUFFIX, Unit


class Kpi(StrEnum):
    COMPLAINT_RATE = "complaint_rate"
    ANSWERED_24H = "answered_24h"
    ON_TIME = "on_time"
    FOLLOWUP = "followup"
    CSAT = "csat"
    NPS = "nps"
    RETENTION = "retention"
    GROWTH = "growth"
    RENEWAL = "renewal"


class Dim(StrEnum):
    AREA = "area"
    STAFF = "staff"
    BRANCH = "branch"
    OUTLET = "outlet"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Attribution(StrEnum):
    """Which date puts a counted row into a period."""

    RECEIVED = "received"  # the order's received_at
    CLOCK_STOPPED = "clock_stopped"  # the resolution clock's stopped_at
    DUE = "due"  # the follow-up task's due_at
    ANSWERED = "answered"  # the satisfaction record's recorded_at
    DAY = "day"  # a state on a day of the period (customers, subscriptions)


@dataclass(frozen=True)
class KpiDef:
    """One KPI of the catalogue (docs/kpis.md is this table in words; a test keeps both in step).

    ``numerator`` / ``denominator`` say which rows count, ``period`` which date puts a row into a period,
    ``scope`` which row of each dimension a counted row counts for, ``unit`` the unit and so the rounding
    (:mod:`kefu.lib.units`), ``direction`` which way is better, ``weight`` the assessment points,
    ``empty`` why there is no value when the denominator is zero (shown with the "—")."""

    kpi: Kpi
    label: str  # English source string; the views translate it
    unit: Unit
    scale: int  # value = scale × numerator ÷ denominator
    direction: Direction
    weight: int  # assessment points when the target is met
    numerator: str = ""
    denominator: str = ""
    period: Attribution = Attribution.RECEIVED
    scope: tuple[tuple[Dim, str], ...] = ()
    empty: str = ""

    @property
    def sign(self) -> str:
        """The unit sign written after a value: ‰, % or nothing (NPS points)."""
        return SUFFIX[self.unit]

    @property
    def places(self) -> int:
        return PLACES[self.unit]

    def scope_of(self, dim: Dim) -> str:
        return dict(self.scope)[dim]


# Scope attribution shared by several KPIs.
_ORDER_SCOPE = (
    (Dim.BRANCH, "the order's branch"),
    (Dim.AREA, "the order's service area"),
    (Dim.OUTLET, "the outlet (or its line) that received the order"),
    (Dim.STAFF, "the order's first-contact owner (R-10)"),
)
_CUSTOMER_SCOPE = (
    (Dim.BRANCH, "the customer's branch"),
    (Dim.AREA, "the customer's service area"),
    (Dim.OUTLET, "the outlet serving the customer's service area"),
    (Dim.STAFF, "every staff member contracting the customer's service area (R-30)"),
)
_ANSWER_SCOPE = (
    (Dim.BRANCH, "the branch of the answered order (else of the outlet or customer), fixed when answered"),
    (Dim.AREA, "the service area of the answered order (else of the customer), fixed when answered"),
    (Dim.OUTLET, "the outlet that received the answered order, or where the counter evaluation was given"),
    (
        Dim.STAFF,
        "the staff member who served the customer (assignee, else first-contact owner) at the answer",
    ),
)
_NO_CUSTOMERS = "no customers active on the period's last day in this scope"

DEFS: dict[Kpi, KpiDef] = {
    d.kpi: d
    for d in (
        KpiDef(
            Kpi.COMPLAINT_RATE,
            "Complaint rate",
            Unit.PERMILLE,
            1000,
            Direction.LOWER,
            20,
            numerator="complaint orders (type complaint, merged duplicates excluded) received in the period",
            denominator="customers (not merged) with a subscription running on the period's last day",
            period=Attribution.RECEIVED,
            scope=(
                (Dim.BRANCH, "complaint: the order's branch; customer: the customer's branch"),
                (Dim.AREA, "complaint: the order's service area; customer: the customer's service area"),
                (Dim.OUTLET, "the outlet serving the service area (of the order; of the customer)"),
                (
                    Dim.STAFF,
                    "every staff member contracting the service area (of the order; of the customer)",
                ),
            ),
            empty=_NO_CUSTOMERS,
        ),
        KpiDef(
            Kpi.ANSWERED_24H,
            "Answered within 24 h",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            15,
            numerator="of the denominator, orders first answered at most 24 h after receipt",
            denominator="orders received in the period (merged duplicates excluded; the reports of an "
            "incident count once, as its first report)",
            period=Attribution.RECEIVED,
            scope=_ORDER_SCOPE,
            empty="no orders received in the period",
        ),
        KpiDef(
            Kpi.ON_TIME,
            "Resolved on time",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            15,
            numerator="of the denominator, clocks met or met with the customer unreachable (R-14)",
            denominator="resolution clocks (every round) of orders not merged that stopped in the period: "
            "met, met-unreachable, late (the reports of an incident count once, as its first report)",
            period=Attribution.CLOCK_STOPPED,
            scope=_ORDER_SCOPE,
            empty="no resolution clock ended in the period",
        ),
        KpiDef(
            Kpi.FOLLOWUP,
            "Follow-up coverage",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            10,
            numerator="of the denominator, tasks finished with a result or ended unreachable",
            denominator="follow-up tasks due in the period, not cancelled",
            period=Attribution.DUE,
            scope=(
                (Dim.BRANCH, "the task's branch"),
                (Dim.AREA, "the customer's service area"),
                (Dim.OUTLET, "the outlet that received the followed-up order"),
                (Dim.STAFF, "the task's assignee"),
            ),
            empty="no follow-up due in the period",
        ),
        KpiDef(
            Kpi.CSAT,
            "CSAT",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            10,
            numerator="of the denominator, answers 4 or 5 (satisfied, very satisfied)",
            denominator="satisfaction records with a 1–5 answer from every source (follow-up, survey, counter)",
            period=Attribution.ANSWERED,
            scope=_ANSWER_SCOPE,
            empty="no satisfaction answer in the period",
        ),
        KpiDef(
            Kpi.NPS,
            "NPS",
            Unit.POINTS,
            100,
            Direction.HIGHER,
            10,
            numerator="promoters (9–10) − detractors (0–6)",
            denominator="satisfaction records with a 0–10 recommendation answer",
            period=Attribution.ANSWERED,
            scope=_ANSWER_SCOPE,
            empty="no recommendation answer in the period",
        ),
        KpiDef(
            Kpi.RETENTION,
            "Customer retention",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            10,
            numerator="of the denominator, customers still active on the last day",
            denominator="customers (not merged) active on the period's first day",
            period=Attribution.DAY,
            scope=_CUSTOMER_SCOPE,
            empty="no customers active on the period's first day in this scope",
        ),
        KpiDef(
            Kpi.GROWTH,
            "Customer growth",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            5,
            numerator="customers (not merged) who became customers in the period",
            denominator="customers (not merged) active on the period's first day",
            period=Attribution.DAY,
            scope=_CUSTOMER_SCOPE,
            empty="no customers active on the period's first day in this scope",
        ),
        KpiDef(
            Kpi.RENEWAL,
            "Renewal rate",
            Unit.PERCENT,
            100,
            Direction.HIGHER,
            5,
            numerator="of the denominator, subscriptions a later subscription names as renewed from",
            denominator="subscriptions of customers (not merged) expiring in the period",
            period=Attribution.DAY,
            scope=_CUSTOMER_SCOPE,
            empty="no subscription expiring in the period in this scope",
        ),
    )
}
ALL_KPIS: tuple[Kpi, ...] = tuple(DEFS)
TOTAL_WEIGHT = sum(d.weight for d in DEFS.values())  # 100

# --- periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month (``month`` 1..12) or a whole year (``month`` None). Dates are local days."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-03`` (a month) or ``2026`` (a year); ValueError otherwise."""
        text = (text or "").strip()
        parts = text.split("-")
        if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
            return cls(int(parts[0]))
        if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
            month = int(parts[1])
            if 1 <= month <= 12:
                return cls(int(parts[0]), month)
        raise ValueError(f"not a period: {text!r}")

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def end_day(self) -> dt.date:
        """The first day after the period (exclusive bound)."""
        return self.last_day + dt.timedelta(days=1)

    def bounds(self, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """``[start, end)`` as aware datetimes at local midnight in ``tz``."""
        return (
            dt.datetime.combine(self.first_day, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end_day, dt.time.min, tzinfo=tz),
        )

    def months(self) -> list[Period]:
        return [self] if self.month else [Period(self.year, m) for m in range(1, 13)]

    def __str__(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"


def previous_months(end: Period, count: int) -> list[Period]:
    """``count`` consecutive months ending with the month ``end`` (oldest first)."""
    if end.month is None:
        end = Period(end.year, 12)
    assert end.month is not None
    out: list[Period] = []
    y, m = end.year, end.month
    for _ in range(count):
        out.append(Period(y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


# --- values -----------------------------------------------------------------------------------------

ANSWER_WITHIN = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Ratio:
    """The two counts behind a KPI value. NPS uses ``extra`` for the detractors."""

    num: int
    den: int
    extra: int = 0


def value(kpi: Kpi, r: Ratio | None) -> Decimal | None:
    """The KPI value from its counts; None when the denominator is zero (nothing to measure)."""
    if r is None or r.den <= 0:
        return None
    d = DEFS[kpi]
    if kpi is Kpi.NPS:  # % promoters − % detractors (kefu.surveys.rules.nps_from_counts)
        return Decimal(d.scale * (r.num - r.extra)) / Decimal(r.den)
    return Decimal(d.scale * r.num) / Decimal(r.den)


def rounded(v: Decimal | None, places: int = 1) -> Decimal | None:
    if v is None:
        return None
    return v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


POPULATION_KPIS = (Kpi.COMPLAINT_RATE, Kpi.RETENTION, Kpi.GROWTH, Kpi.RENEWAL)


def empty_reason(kpi: Kpi, dim: Dim | None = None) -> str:
    """Why a cell has no value (its denominator is zero), in English (the views translate it): the
    catalogue's reason, or for the customers of a staff member or an outlet where they come from."""
    if kpi in POPULATION_KPIS and dim is Dim.STAFF:
        return "no customers in the service areas this person contracts (R-30)"
    if kpi in POPULATION_KPIS and dim is Dim.OUTLET:
        return "no customers in the service areas this outlet serves"
    return DEFS[kpi].empty


def shown(kpi: Kpi, v: Decimal | None) -> Decimal | None:
    """The value as every surface shows it: rounded by the KPI's unit (:mod:`kefu.lib.units`)."""
    return units.rounded(v, DEFS[kpi].unit)


def text(kpi: Kpi, v: Decimal | None) -> str:
    """The value written with its unit sign, "—" without a value (:mod:`kefu.lib.units`)."""
    return units.text(v, DEFS[kpi].unit)


def answered_within(received: dt.datetime, first_response: dt.datetime | None) -> bool:
    """An order counts as answered within 24 hours when its first response came ≤ 24 h after receipt."""
    return first_response is not None and first_response - received <= ANSWER_WITHIN


# --- targets and scoring ----------------------------------------------------------------------------


def meets(v: Decimal, target: Decimal, direction: Direction | str) -> bool:
    return v >= target if Direction(direction) is Direction.HIGHER else v <= target


def score(
    v: Decimal | None, target: Decimal | None, direction: Direction | str, weight: int
) -> Decimal | None:
    """Assessment points of one KPI.

    - no value (nothing to measure) or no target: None — the KPI is left out of the sheet's total and
      of its maximum;
    - target met: the full ``weight``;
    - higher is better, below target: ``weight × value ÷ target`` (0 when the value is ≤ 0);
    - lower is better, above target: ``weight × target ÷ value`` (a target of 0 missed gives 0).

    Points are rounded to 2 decimals.
    """
    if v is None or target is None:
        return None
    w = Decimal(weight)
    if meets(v, target, direction):
        pts = w
    elif Direction(direction) is Direction.HIGHER:
        pts = w * v / target if target > 0 and v > 0 else Decimal(0)
    else:
        pts = w * target / v if target > 0 and v > 0 else Decimal(0)
    return min(w, max(Decimal(0), pts)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SheetTotal:
    points: Decimal
    possible: int

    @property
    def percent(self) -> Decimal | None:
        """Total points ÷ points possible (the KPIs that had both a value and a target) × 100."""
        if not self.possible:
            return None
        return (Decimal(100) * self.points / Decimal(self.possible)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def total(scores: Iterable[tuple[Decimal | None, int]]) -> SheetTotal:
    pts, possible = Decimal(0), 0
    for s, weight in scores:
        if s is None:
            continue
        pts += s
        possible += weight
    return SheetTotal(pts, possible)


def ranks(values: Mapping[int, Decimal | None]) -> dict[int, int | None]:
    """Competition ranking (1, 2, 2, 4) of the keys by value, highest first; None values get no rank."""
    known = sorted((v, k) for k, v in values.items() if v is not None)
    out: dict[int, int | None] = dict.fromkeys(values)
    ordered = sorted(known, key=lambda t: -t[0])
    for i, (v, k) in enumerate(ordered):
        out[k] = i + 1 if i == 0 or ordered[i - 1][0] != v else out[ordered[i - 1][1]]
    return out


def spread(values: Iterable[Decimal | None], direction: Direction | str) -> tuple[Decimal | None, ...]:
    """(best, worst, best − worst as a non-negative gap) over the known values (R-32 consistency)."""
    known = [v for v in values if v is not None]
    if not known:
        return (None, None, None)
    higher = Direction(direction) is Direction.HIGHER
    best, worst = (max(known), min(known)) if higher else (min(known), max(known))
    return (best, worst, abs(best - worst))


# --- Pareto -----------------------------------------------------------------------------------------


def pareto(counts: Mapping[str, int]) -> list[tuple[str, int, Decimal]]:
    """Causes sorted by count descending (ties by name) with the cumulative share in per cent."""
    items = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda t: (-t[1], t[0]))
    whole = sum(n for _k, n in items)
    out, run = [], 0
    for k, n in items:
        run += n
        out.append((k, n, Decimal(100 * run) / Decimal(whole)))
    return out

"""Quality scores (R-22) and the four service levels (R-23): pure functions, no Django, no I/O.

Definitions (documented for people in docs/quality.md):

- CSAT: answers on 1–5; CSAT = share of answers 4 or 5, in per cent.
- NPS: answers on 0–10; promoters 9–10, passives 7–8, detractors 0–6;
  NPS = % promoters − % detractors (−100 … +100).
- Satisfaction rate (满意率) on the four-level scale very satisfied / satisfied / basically satisfied /
  dissatisfied: share of answers other than "dissatisfied", in per cent.
- SERVQUAL (Parasuraman, Zeithaml & Berry 1988): 22 items in five dimensions, each answered for
  expectation (E) and perception (P) on 1–7. Gap = P − E per item; a dimension's gap is the mean of its
  items; the unweighted score is the mean of the five dimension gaps; the weighted score is the sum of
  dimension gap × importance points / 100, the respondent having allocated 100 points across the five
  dimensions. A reverse-scored (negatively worded) item is read as 8 − score before the gap is taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Dimension(StrEnum):
    TANGIBLES = "tangibles"
    RELIABILITY = "reliability"
    RESPONSIVENESS = "responsiveness"
    ASSURANCE = "assurance"
    EMPATHY = "empathy"


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)

# item numbers of each dimension in the 22-item instrument (Parasuraman, Zeithaml & Berry 1988)
SERVQUAL_ITEMS: dict[Dimension, tuple[int, ...]] = {
    Dimension.TANGIBLES: (1, 2, 3, 4),
    Dimension.RELIABILITY: (5, 6, 7, 8, 9),
    Dimension.RESPONSIVENESS: (10, 11, 12, 13),
    Dimension.ASSURANCE: (14, 15, 16, 17),
    Dimension.EMPATHY: (18, 19, 20, 21, 22),
}


def dimension_of(item: int) -> Dimension:
    for dim, items in SERVQUAL_ITEMS.items():
        if item in items:
            return dim
    raise ValueError(f"SERVQUAL item {item} is not one of 1–22")


class Sat4(StrEnum):
    """The four-level satisfaction scale (满意度四级)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _check_range(values: Iterable[int], low: int, high: int, what: str) -> list[int]:
    out = list(values)
    for v in out:
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            raise ValueError(f"{what} answer {v!r} is outside {low}–{high}")
    return out


# --- CSAT -------------------------------------------------------------------------------------------


def csat_from_counts(satisfied: int, total: int) -> float | None:
    """CSAT in per cent from the number of 4–5 answers and all answers (None without answers)."""
    if satisfied < 0 or total < 0 or satisfied > total:
        raise ValueError("counts must satisfy 0 <= satisfied <= total")
    return _pct(satisfied, total)


def csat(scores: Iterable[int]) -> float | None:
    """Share of answers 4 or 5 on the 1–5 scale, in per cent."""
    values = _check_range(scores, 1, 5, "CSAT")
    return csat_from_counts(sum(1 for v in values if v >= 4), len(values))


# --- NPS --------------------------------------------------------------------------------------------


def nps_category(score: int) -> str:
    _check_range([score], 0, 10, "NPS")
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def nps_from_counts(promoters: int, detractors: int, total: int) -> float | None:
    """% promoters − % detractors (None without answers)."""
    if min(promoters, detractors, total) < 0 or promoters + detractors > total:
        raise ValueError("counts must satisfy promoters + detractors <= total")
    if total == 0:
        return None
    return 100.0 * (promoters - detractors) / total


def nps(scores: Iterable[int]) -> float | None:
    values = _check_range(scores, 0, 10, "NPS")
    cats = [nps_category(v) for v in values]
    return nps_from_counts(cats.count("promoter"), cats.count("detractor"), len(values))


# --- four-level satisfaction rate -------------------------------------------------------------------


def satisfaction_rate_from_counts(counts: Mapping[str, int]) -> float | None:
    """满意率: (very satisfied + satisfied + basically satisfied) / all answers, in per cent."""
    total = 0
    satisfied = 0
    for level, n in counts.items():
        lv = Sat4(level)
        if n < 0:
            raise ValueError("counts must not be negative")
        total += n
        if lv != Sat4.DISSATISFIED:
            satisfied += n
    return _pct(satisfied, total)


def satisfaction_rate(answers: Iterable[str]) -> float | None:
    counts: dict[str, int] = {}
    for a in answers:
        counts[Sat4(a).value] = counts.get(Sat4(a).value, 0) + 1
    return satisfaction_rate_from_counts(counts)


# --- SERVQUAL ---------------------------------------------------------------------------------------


def reverse_score(score: int) -> int:
    """A negatively worded item on the 1–7 scale: 1 ↔ 7, 2 ↔ 6, … (score → 8 − score)."""
    _check_range([score], 1, 7, "SERVQUAL")
    return 8 - score


@dataclass(frozen=True)
class ItemAnswer:
    item: int  # 1–22
    expectation: int  # 1–7
    perception: int  # 1–7
    reverse: bool = False

    @property
    def gap(self) -> int:
        e, p = _check_range([self.expectation, self.perception], 1, 7, "SERVQUAL")
        if self.reverse:
            e, p = 8 - e, 8 - p
        return p - e


@dataclass(frozen=True)
class ServqualResult:
    dimension_gaps: dict[Dimension, float]
    unweighted: float
    weighted: float | None  # None when no importance points were given

    @property
    def largest_gap(self) -> Dimension:
        """The dimension furthest below expectation (the most negative gap; first in order on a tie)."""
        return min(DIMENSIONS, key=lambda d: (self.dimension_gaps[d], DIMENSIONS.index(d)))


def check_weights(points: Mapping[str, int]) -> dict[Dimension, int]:
    """Importance points: a whole number 0–100 for each of the five dimensions, 100 in total."""
    out: dict[Dimension, int] = {}
    for d in DIMENSIONS:
        v = points.get(d.value, points.get(d, 0))  # type: ignore[call-overload]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 100:
            raise ValueError(f"importance points of {d.value} must be 0–100")
        out[d] = v
    if sum(out.values()) != 100:
        raise ValueError("importance points must add up to 100")
    return out


def overall_scores(
    dimension_gaps: Mapping[Dimension, float], weights: Mapping[str, int] | None = None
) -> tuple[float, float | None]:
    """(unweighted, weighted) SERVQUAL score from the five dimension gaps."""
    missing = [d for d in DIMENSIONS if d not in dimension_gaps]
    if missing:
        raise ValueError(f"no gap for {', '.join(d.value for d in missing)}")
    unweighted = sum(dimension_gaps[d] for d in DIMENSIONS) / len(DIMENSIONS)
    weighted = None
    if weights is not None:
        w = check_weights(weights)
        weighted = sum(dimension_gaps[d] * w[d] for d in DIMENSIONS) / 100.0
    return unweighted, weighted


def servqual(answers: Iterable[ItemAnswer], weights: Mapping[str, int] | None = None) -> ServqualResult:
    """Gap scores of one respondent. Every dimension needs at least one answered item."""
    per_dim: dict[Dimension, list[int]] = {d: [] for d in DIMENSIONS}
    seen: set[int] = set()
    for a in answers:
        if a.item in seen:
            raise ValueError(f"SERVQUAL item {a.item} answered twice")
        seen.add(a.item)
        per_dim[dimension_of(a.item)].append(a.gap)
    empty = [d.value for d in DIMENSIONS if not per_dim[d]]
    if empty:
        raise ValueError(f"no answered item in {', '.join(empty)}")
    gaps = {d: sum(v) / len(v) for d, v in per_dim.items()}
    unweighted, weighted = overall_scores(gaps, weights)
    return ServqualResult(gaps, unweighted, weighted)


# --- service levels (R-23) --------------------------------------------------------------------------


class Level(StrEnum):
    BASIC = "basic"  # 基本服务
    SATISFYING = "satisfying"  # 满意服务
    VALUE_ADDED = "value_added"  # 超值服务
    MEMORABLE = "memorable"  # 难忘服务


LEVELS: tuple[Level, ...] = tuple(Level)

# "with margin": finished with at least this share of the committed time still left
MARGIN_SHARE = 0.25


def satisfaction_grade(
    *, csat_score: int | None = None, nps_score: int | None = None, sat4: str | None = None
) -> int | None:
    """0 = not satisfied, 1 = satisfied, 2 = very satisfied; None without any answer.

    Each given answer is graded (CSAT 1–3 → 0, 4 → 1, 5 → 2; NPS 0–6 → 0, 7–8 → 1, 9–10 → 2; four-level:
    dissatisfied → 0, basically satisfied / satisfied → 1, very satisfied → 2) and the lowest grade counts:
    a customer is "very satisfied" only if every answer says so.
    """
    grades: list[int] = []
    if csat_score is not None:
        _check_range([csat_score], 1, 5, "CSAT")
        grades.append(0 if csat_score <= 3 else 1 if csat_score == 4 else 2)
    if nps_score is not None:
        grades.append({"detractor": 0, "passive": 1, "promoter": 2}[nps_category(nps_score)])
    if sat4:
        lv = Sat4(sat4)
        grades.append(0 if lv == Sat4.DISSATISFIED else 2 if lv == Sat4.VERY_SATISFIED else 1)
    return min(grades) if grades else None


@dataclass(frozen=True)
class OrderOutcome:
    """What decides an order's service level."""

    resolved: bool  # the order was solved (resolved, or closed after being resolved)
    finished_at: dt.datetime | None  # when the resolution clock stopped (else when it was resolved)
    started_at: dt.datetime | None  # when the resolution clock started
    due_at: dt.datetime | None  # the committed deadline (None: no time limit applies)
    satisfaction: int | None  # satisfaction_grade of the customer's answer


def timing(o: OrderOutcome) -> str:
    """ "late", "on_time", "with_margin" or "no_deadline"."""
    if o.due_at is None or o.finished_at is None:
        return "no_deadline"
    if o.finished_at > o.due_at:
        return "late"
    if o.started_at is not None and o.due_at > o.started_at:
        allowed = (o.due_at - o.started_at).total_seconds()
        left = (o.due_at - o.finished_at).total_seconds()
        if left >= MARGIN_SHARE * allowed:
            return "with_margin"
    return "on_time"


def service_level(o: OrderOutcome) -> Level | None:
    """The level the service of one resolved order reached; None if unsolved or the customer gave no answer.

    - basic: solved, but after the deadline or the customer was not satisfied;
    - satisfying: solved by the deadline (or with no deadline) and the customer satisfied;
    - value-added: solved with at least 25 % of the committed time left and the customer satisfied;
    - memorable: solved by the deadline and the customer very satisfied on every answer (CSAT 5, NPS
      promoter, "very satisfied") — expectations exceeded.
    """
    if not o.resolved or o.satisfaction is None:
        return None
    t = timing(o)
    if t == "late" or o.satisfaction == 0:
        return Level.BASIC
    if o.satisfaction == 2 and t in ("on_time", "with_margin"):
        return Level.MEMORABLE
    if t == "with_margin":
        return Level.VALUE_ADDED
    return Level.SATISFYING


def level_distribution(levels: Iterable[Level | None]) -> dict[str, int]:
    """Counts per level plus "unrated" (solved orders without an answer)."""
    out = {lv.value: 0 for lv in LEVELS}
    out["unrated"] = 0
    for lv in levels:
        out[lv.value if lv is not None else "unrated"] += 1
    return out


# --- one satisfaction record per answer, from every source -------------------------------------------

# The stated mapping between the two satisfaction scales (docs/quality.md, "One record per answer"): the
# usual labels of the 1–5 scale are 1 very dissatisfied, 2 dissatisfied, 3 neutral, 4 satisfied, 5 very
# satisfied, so "basically satisfied" (基本满意) sits on the neutral 3 — it is not counted satisfied by CSAT
# (4–5) but it is by the satisfaction rate (everything except dissatisfied), as each scale defines.
SAT4_TO_CSAT: dict[Sat4, int] = {
    Sat4.VERY_SATISFIED: 5,
    Sat4.SATISFIED: 4,
    Sat4.BASICALLY_SATISFIED: 3,
    Sat4.DISSATISFIED: 2,
}


def csat_to_sat4(score: int) -> Sat4:
    return {5: Sat4.VERY_SATISFIED, 4: Sat4.SATISFIED, 3: Sat4.BASICALLY_SATISFIED}.get(
        score, Sat4.DISSATISFIED
    )


@dataclass(frozen=True)
class Normalised:
    csat: int | None
    sat4: str  # "" when there is no satisfaction answer at all
    nps: int | None


def normalise(csat_score: int | None, sat4: str | None, nps_score: int | None) -> Normalised:
    """An answer on both satisfaction scales: what was asked is kept, the other scale is filled in by the
    mapping above; NPS only when it was asked (the recommendation question has no equivalent)."""
    if csat_score is not None:
        _check_range([csat_score], 1, 5, "CSAT")
    if nps_score is not None:
        _check_range([nps_score], 0, 10, "NPS")
    s4 = Sat4(sat4) if sat4 else None
    c = csat_score if csat_score is not None else (SAT4_TO_CSAT[s4] if s4 is not None else None)
    if s4 is None and csat_score is not None:
        s4 = csat_to_sat4(csat_score)
    return Normalised(c, s4.value if s4 is not None else "", nps_score)


def is_low(n: Normalised, low_at: int = 2) -> bool:
    """A low answer (service recovery): ≤ ``low_at`` on the 1–5 scale, or "dissatisfied"."""
    return (n.csat is not None and n.csat <= low_at) or n.sat4 == Sat4.DISSATISFIED.value

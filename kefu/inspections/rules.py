"""Pure rules of inspections and training (no Django, no I/O).

- ``score_sheet``: per-item points validated against each item's maximum, the total and the percentage;
- ``plan_target`` / ``plan_progress``: how many inspections a plan asks for and how far it is;
- ``score_exam``: an exam's score and whether it passed;
- ``missing_courses``: the required courses a staff member of a role has not passed (untrained flag).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, one decimal, half up; 0 when ``whole`` is 0."""
    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SheetItem:
    item_id: int
    max_points: int


@dataclass(frozen=True)
class SheetResult:
    points: int
    max_points: int
    percentage: Decimal


class ScoreError(ValueError):
    """A score that cannot be accepted: ``item_id`` and the reason (``missing``, ``range``, ``unknown``)."""

    def __init__(self, item_id: int, reason: str) -> None:
        super().__init__(f"item {item_id}: {reason}")
        self.item_id = item_id
        self.reason = reason


def check_scores(items: Iterable[SheetItem], scores: Mapping[int, int]) -> list[ScoreError]:
    """Every item of the sheet needs a whole number of points between 0 and its maximum; points for
    items not on the sheet are refused."""
    errors: list[ScoreError] = []
    known: set[int] = set()
    for item in items:
        known.add(item.item_id)
        if item.item_id not in scores:
            errors.append(ScoreError(item.item_id, "missing"))
            continue
        value = scores[item.item_id]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item.max_points:
            errors.append(ScoreError(item.item_id, "range"))
    errors.extend(ScoreError(i, "unknown") for i in scores if i not in known)
    return errors


def score_sheet(items: Iterable[SheetItem], scores: Mapping[int, int]) -> SheetResult:
    """Total points, the sheet's maximum and the percentage. Raises the first ``ScoreError``."""
    items = list(items)
    errors = check_scores(items, scores)
    if errors:
        raise errors[0]
    got = sum(scores[i.item_id] for i in items)
    top = sum(i.max_points for i in items)
    return SheetResult(got, top, percent(got, top))


# --- plans --------------------------------------------------------------------------------------------------


def months_in(starts_on: dt.date, ends_on: dt.date) -> int:
    """Calendar months touched by [starts_on, ends_on] (a plan from 15 Jan to 10 Mar covers 3)."""
    if ends_on < starts_on:
        return 0
    return (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1


def plan_target(starts_on: dt.date, ends_on: dt.date, per_month: int) -> int:
    return months_in(starts_on, ends_on) * max(per_month, 0)


@dataclass(frozen=True)
class PlanProgress:
    done: int
    target: int
    percentage: Decimal  # may exceed 100 when more were done than planned

    @property
    def reached(self) -> bool:
        return self.target > 0 and self.done >= self.target


def plan_progress(done: int, starts_on: dt.date, ends_on: dt.date, per_month: int) -> PlanProgress:
    target = plan_target(starts_on, ends_on, per_month)
    return PlanProgress(done, target, percent(done, target))


# --- exams --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamResult:
    correct: int
    questions: int
    score: Decimal
    passed: bool


def score_exam(
    correct_answers: Mapping[int, int], given: Mapping[int, int | None], pass_mark: int
) -> ExamResult:
    """``correct_answers``: question id → id of its correct choice; ``given``: question id → chosen
    choice id (missing or None = unanswered, counted wrong). Passed when the score reaches the pass mark."""
    right = sum(1 for q, choice in correct_answers.items() if given.get(q) is not None and given[q] == choice)
    n = len(correct_answers)
    score = percent(right, n)
    return ExamResult(right, n, score, n > 0 and score >= Decimal(pass_mark))


# --- training -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredCourse:
    course_id: int
    audience: frozenset[str]  # empty = every role


def applies_to(course: RequiredCourse, role: str) -> bool:
    return not course.audience or role in course.audience


def missing_courses(role: str, required: Iterable[RequiredCourse], passed: Iterable[int]) -> list[int]:
    """Ids of the required courses for ``role`` without a passed record: non-empty = untrained."""
    done = set(passed)
    return [c.course_id for c in required if applies_to(c, role) and c.course_id not in done]

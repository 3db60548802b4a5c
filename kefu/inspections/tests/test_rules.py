"""Pure rules of inspections and training, with concrete numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.inspections import rules
from kefu.inspections.rules import RequiredCourse, ScoreError, SheetItem

SHEET = [SheetItem(1, 10), SheetItem(2, 10), SheetItem(3, 5)]


def test_score_sheet_total_and_percentage() -> None:
    r = rules.score_sheet(SHEET, {1: 8, 2: 10, 3: 3})
    assert (r.points, r.max_points, r.percentage) == (21, 25, Decimal("84.0"))
    # 17 of 24 = 70.8333 → 70.8; 2 of 3 = 66.666 → 66.7 (half up)
    assert rules.score_sheet([SheetItem(1, 24)], {1: 17}).percentage == Decimal("70.8")
    assert rules.score_sheet([SheetItem(1, 3)], {1: 2}).percentage == Decimal("66.7")
    assert rules.percent(1, 8) == Decimal("12.5")
    assert rules.percent(1, 16) == Decimal("6.3")  # 6.25 rounds half up
    assert rules.score_sheet([SheetItem(1, 5)], {1: 0}).percentage == Decimal("0.0")
    assert rules.score_sheet([], {}).percentage == Decimal("0.0")


def test_scores_are_validated_against_each_items_maximum() -> None:
    errs = rules.check_scores(SHEET, {1: 11, 2: -1, 9: 3})
    assert [(e.item_id, e.reason) for e in errs] == [
        (1, "range"),
        (2, "range"),
        (3, "missing"),
        (9, "unknown"),
    ]
    assert rules.check_scores(SHEET, {1: 10, 2: 0, 3: 5}) == []
    assert [e.reason for e in rules.check_scores([SheetItem(1, 5)], {1: True})] == ["range"]
    assert [e.reason for e in rules.check_scores([SheetItem(1, 5)], {1: 2.5})] == ["range"]  # type: ignore[dict-item]
    with pytest.raises(ScoreError) as exc:
        rules.score_sheet(SHEET, {1: 8, 2: 10, 3: 6})
    assert (exc.value.item_id, exc.value.reason) == (3, "range")


@given(st.lists(st.integers(1, 20), min_size=1, max_size=12), st.data())
def test_percentage_is_between_0_and_100(maxima: list[int], data: st.DataObject) -> None:
    items = [SheetItem(i, m) for i, m in enumerate(maxima)]
    scores = {i.item_id: data.draw(st.integers(0, i.max_points)) for i in items}
    r = rules.score_sheet(items, scores)
    assert 0 <= r.percentage <= 100
    assert r.points == sum(scores.values()) and r.max_points == sum(maxima)


def test_plan_target_counts_calendar_months() -> None:
    assert rules.months_in(dt.date(2026, 1, 15), dt.date(2026, 3, 10)) == 3
    assert rules.months_in(dt.date(2026, 11, 1), dt.date(2027, 2, 28)) == 4
    assert rules.months_in(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == 1
    assert rules.months_in(dt.date(2026, 5, 2), dt.date(2026, 5, 1)) == 0
    p = rules.plan_progress(7, dt.date(2026, 1, 1), dt.date(2026, 3, 31), 4)
    assert (p.done, p.target, p.percentage, p.reached) == (7, 12, Decimal("58.3"), False)
    full = rules.plan_progress(13, dt.date(2026, 1, 1), dt.date(2026, 3, 31), 4)
    assert full.reached and full.percentage == Decimal("108.3")


def test_exam_scoring() -> None:
    correct = {1: 11, 2: 21, 3: 31, 4: 41, 5: 51}
    r = rules.score_exam(correct, {1: 11, 2: 21, 3: 31, 4: 42, 5: None}, 60)
    assert (r.correct, r.questions, r.score, r.passed) == (3, 5, Decimal("60.0"), True)  # exactly the mark
    r = rules.score_exam(correct, {1: 11, 2: 21}, 60)
    assert (r.correct, r.score, r.passed) == (2, Decimal("40.0"), False)
    r = rules.score_exam({1: 11, 2: 21, 3: 31}, {1: 11, 2: 21}, 67)
    assert (r.score, r.passed) == (Decimal("66.7"), False)  # 66.7 < 67
    assert rules.score_exam({}, {}, 60).passed is False


def test_missing_courses_by_role() -> None:
    required = [
        RequiredCourse(1, frozenset()),  # everyone
        RequiredCourse(2, frozenset({"agent"})),
        RequiredCourse(3, frozenset({"technician", "agent"})),
    ]
    assert rules.missing_courses("agent", required, []) == [1, 2, 3]
    assert rules.missing_courses("agent", required, [1, 3]) == [2]
    assert rules.missing_courses("technician", required, [1]) == [3]
    assert rules.missing_courses("supervisor", required, [1]) == []

"""Pure follow-up rules (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.commitments import rules as cal
from kefu.followup import rules

UTC = dt.UTC
OFFICE = cal.WorkCalendar(
    time_zone="Asia/Shanghai",
    week=cal.office_week((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))),
    holidays=frozenset({dt.date(2026, 10, d) for d in range(1, 8)}),
    makeup_days=frozenset({dt.date(2026, 10, 10)}),
    data_years=frozenset({2026}),
)


def test_choose_assignee_least_loaded_never_the_worker() -> None:
    c = [rules.Candidate(3, 2), rules.Candidate(1, 5), rules.Candidate(2, 2)]
    assert rules.choose_assignee(c) == 2  # fewest open tasks, then the lower id
    assert rules.choose_assignee(c, exclude=[2, None]) == 3
    assert rules.choose_assignee(c, exclude=[1, 2, 3]) is None
    assert rules.choose_assignee([]) is None


def test_unreachable_and_reopen() -> None:
    assert not rules.ends_unreachable(2, 3) and rules.ends_unreachable(3, 3)
    assert rules.ends_unreachable(1, 0)  # at least one attempt counts
    assert rules.needs_reopen(False, True) and rules.needs_reopen(True, False)
    assert not rules.needs_reopen(True, True) and not rules.needs_reopen(None, True)


def test_due_units() -> None:
    # Wed 2026-09-30 16:00 Shanghai = 08:00 UTC
    start = dt.datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
    assert rules.due_at(start, 24, "calendar_hours", OFFICE) == dt.datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    # 1.5 h left on 30 September, the holiday, then 8 October 08:30 + 2 h = 10:30 Shanghai
    assert rules.due_at(start, Decimal("3.5"), "working_hours", OFFICE) == dt.datetime(
        2026, 10, 8, 2, 30, tzinfo=UTC
    )
    # receipt day 30 September; 8, 9, Sat 10 (make-up day) October → 17:30 Shanghai
    assert rules.due_at(start, 3, "working_days", OFFICE) == dt.datetime(2026, 10, 10, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        rules.due_at(start, Decimal("1.5"), "working_days", OFFICE)
    with pytest.raises(cal.CalendarDataMissing):
        rules.due_at(dt.datetime(2026, 12, 30, 8, 0, tzinfo=UTC), 3, "working_days", OFFICE)


def test_visit_due_and_plan_step() -> None:
    # Sun 2026-10-04 is a holiday: the visit is due at the close of the next working day, 8 October
    assert rules.visit_due_at(dt.date(2026, 10, 4), OFFICE) == dt.datetime(2026, 10, 8, 9, 30, tzinfo=UTC)
    step = rules.plan_step(dt.date(2026, 1, 31), "monthly", dt.date(2026, 4, 2))
    assert step.visits == (dt.date(2026, 1, 31),)  # one visit for the missed months
    assert step.next_due == dt.date(2026, 4, 30)
    assert rules.plan_step(dt.date(2026, 3, 1), "quarterly", dt.date(2026, 3, 1)).next_due == dt.date(
        2026, 6, 1
    )
    assert rules.plan_step(dt.date(2026, 3, 1), "yearly", dt.date(2026, 3, 1)).next_due == dt.date(2027, 3, 1)


def test_coverage() -> None:
    due = dt.datetime(2026, 10, 9, 9, 30, tzinfo=UTC)
    hour = dt.timedelta(hours=1)
    facts = [
        rules.TaskFacts("done", due, due - hour),
        rules.TaskFacts("done", due, due + hour),
        rules.TaskFacts("unreachable", due, due),
        rules.TaskFacts("open", due, None),
        rules.TaskFacts("cancelled", due, due),
    ]
    c = rules.coverage(facts)
    assert (c.due, c.followed_up, c.on_time, c.reached) == (4, 3, 2, 2)
    assert c.coverage == Decimal("0.75") and c.on_time_rate == Decimal("0.5")
    empty = rules.coverage([])
    assert empty.coverage is None and empty.on_time_rate is None

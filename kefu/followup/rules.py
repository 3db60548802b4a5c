"""Pure rules of follow-up (回访, R-19..R-21): which orders need one, when it is due, who gets it, when
the customer counts as unreachable, what a result means, and the coverage numbers. No Django, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kefu.commitments import rules as cal_rules
from kefu.commitments.rules_proactive import CareStep, care_visits_due

# repairs (faults, restoration), complaints and new installations are followed up.
FOLLOWED_UP_TYPES = frozenset(
    {"fault_general", "fault_major", "restoration", "complaint", "install_urban", "install_rural"}
)

PLAN_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def needs_followup(order_type: str) -> bool:
    return order_type in FOLLOWED_UP_TYPES


def due_at(
    resolved_at: dt.datetime, amount: Decimal | int, unit: str, cal: cal_rules.WorkCalendar
) -> dt.datetime:
    """When the follow-up of an order resolved at ``resolved_at`` is due, on the branch's calendar.

    Reuses the commitments engine: calendar hours run through nights and holidays; working hours count
    only the calendar's working periods; working days follow the receipt-day rule (a resolution on a
    holiday or after the close counts from the next working day; the due time is the close of the n-th
    working day after it). Raises ``CalendarDataMissing`` when the calendar lacks a year it needs.
    """
    u = cal_rules.Unit(unit)
    if u is cal_rules.Unit.CALENDAR_HOURS:
        return cal_rules.add_calendar_hours(resolved_at, Decimal(amount))
    if u is cal_rules.Unit.WORKING_HOURS:
        return cal_rules.add_working_time(resolved_at, cal_rules.hours(Decimal(amount)), cal)
    days = Decimal(amount)
    if days != days.to_integral_value():
        raise ValueError("working days must be a whole number")
    return cal_rules.add_working_days(resolved_at, int(days), cal)


def visit_due_at(day: dt.date, cal: cal_rules.WorkCalendar) -> dt.datetime:
    """A planned visit is due by the close of its day (the next working day if that day is not one)."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=cal.tz)
    return cal_rules.add_working_days(start, 0, cal)


@dataclass(frozen=True)
class Candidate:
    staff_id: int
    open_tasks: int


def choose_assignee(candidates: Iterable[Candidate], exclude: Iterable[int | None] = ()) -> int | None:
    """Least loaded follow-up staff member (fewest open tasks, then lower id), never one in ``exclude``
    (the order's owner and assignee: the person who did the work does not check their own work).
    None when nobody is left: the task stays unassigned and every follow-up staff member of the branch
    sees it."""
    banned = {i for i in exclude if i is not None}
    pool = [c for c in candidates if c.staff_id not in banned]
    if not pool:
        return None
    return min(pool, key=lambda c: (c.open_tasks, c.staff_id)).staff_id


def ends_unreachable(unreached_attempts: int, max_attempts: int) -> bool:
    """After ``max_attempts`` attempts without reaching the customer the task ends as unreachable."""
    return unreached_attempts >= max(1, max_attempts)


def needs_reopen(solved: bool | None, satisfied: bool | None) -> bool:
    """A problem found on follow-up is reopened and solved (R-19): not solved, or dissatisfied."""
    return solved is False or satisfied is False


def plan_step(next_visit: dt.date, period: str, today: dt.date) -> CareStep:
    """The visit a plan owes today (at most one, even if the worker was stopped) and its next date."""
    return care_visits_due(next_visit, PLAN_MONTHS[period], today)


# --- coverage (R-19, R-21) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFacts:
    status: str  # open / done / unreachable / cancelled
    due_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class Coverage:
    due: int  # tasks due in the period (cancelled ones do not count)
    followed_up: int  # of those, finished: a result recorded or ended unreachable after the attempts
    on_time: int  # of those, finished at or before the due time
    reached: int  # of those, finished with a result (the customer was reached)

    @property
    def coverage(self) -> Decimal | None:
        """followed up ÷ due (None when nothing was due)."""
        return None if not self.due else Decimal(self.followed_up) / Decimal(self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        """followed up on time ÷ due (None when nothing was due)."""
        return None if not self.due else Decimal(self.on_time) / Decimal(self.due)


def coverage(tasks: Iterable[TaskFacts]) -> Coverage:
    """R-19's numbers over the tasks due in a period: coverage (followed up ÷ due) and on-time rate."""
    due = followed = on_time = reached = 0
    for t in tasks:
        if t.status == "cancelled":
            continue
        due += 1
        if t.status in ("done", "unreachable") and t.finished_at is not None:
            followed += 1
            reached += t.status == "done"
            if t.due_at is not None and t.finished_at <= t.due_at:
                on_time += 1
    return Coverage(due, followed, on_time, reached)


def coverage_from_counts(counts: Mapping[str, int | None]) -> Coverage:
    """The same numbers from the aggregate query of ``followup.stats.period_counts``."""
    return Coverage(
        int(counts.get("due") or 0),
        int(counts.get("followed_up") or 0),
        int(counts.get("on_time") or 0),
        int(counts.get("reached") or 0),
    )

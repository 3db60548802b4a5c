"""Pure rules of safety-check campaigns (R-18): on which days and in which windows a batch of households
is visited, and what happens after a visit (done, customer absent, refused). No Django, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kefu.commitments import rules as cal_rules
from kefu.commitments.rules_proactive import add_months

# households are told at least this many days before their visit (the notice goes out with the batch)
NOTICE_DAYS = 2


@dataclass(frozen=True)
class Slot:
    """One planned visit: the technician, the local day and the window (UTC instants)."""

    household: int
    technician: int
    day: dt.date
    start: dt.datetime
    end: dt.datetime


def first_visit_day(today: dt.date, starts_on: dt.date, not_before: dt.date | None = None) -> dt.date:
    """The earliest day a household may be visited: the campaign's first day, not before the notice has
    reached it (``NOTICE_DAYS`` after today) and not before its own ``not_before`` (a repeat)."""
    day = max(starts_on, today + dt.timedelta(days=NOTICE_DAYS))
    return max(day, not_before) if not_before else day


def windows(day: dt.date, cal: cal_rules.WorkCalendar, minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The visit windows of ``minutes`` that fit whole into the day's working periods, in order
    (none on a holiday; the weekday's hours on a make-up working day)."""
    if minutes < 15:
        raise ValueError("a visit window lasts at least 15 minutes")
    length = dt.timedelta(minutes=minutes)
    result = []
    for start, end in cal_rules.working_periods(day, cal):
        at = start
        while at + length <= end:
            result.append((at, at + length))
            at += length
    return result


def plan(
    households: Sequence[tuple[int, dt.date]],
    technicians: Sequence[int],
    cal: cal_rules.WorkCalendar,
    *,
    last_day: dt.date,
    window_minutes: int,
    capacity: int,
    booked: Mapping[tuple[int, dt.date], int] | None = None,
) -> list[Slot]:
    """Spread ``households`` ((id, earliest day), in planning order) over the working days up to
    ``last_day`` and the ``technicians``: each technician gets at most ``capacity`` visits a day,
    counting what is already ``booked`` for them that day; each visit goes to the least loaded
    technician of the day, so the work is shared evenly. A day's visits of one technician are spread over its windows.
    Households that do not fit before ``last_day`` are left out (they stay pending)."""
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    if not technicians or not households:
        return []
    load: dict[tuple[int, dt.date], int] = dict(booked or {})
    waiting = sorted(households, key=lambda h: h[1])
    slots: list[Slot] = []
    day = min(h[1] for h in waiting)
    while waiting and day <= last_day:
        if not cal_rules.is_working_day(day, cal):
            day += dt.timedelta(days=1)
            continue
        wins = windows(day, cal, window_minutes)
        if wins:
            per_window = -(-capacity // len(wins))  # ceil: a small window count takes several visits each
            free = {t: capacity - load.get((t, day), 0) for t in technicians}
            ready = [h for h in waiting if h[1] <= day]
            taken: set[int] = set()
            for hid, _earliest in ready:
                candidates = [t for t in technicians if free[t] > 0]
                if not candidates:
                    break
                # the least loaded technician that day (the first listed on a tie): the work is shared evenly
                tech = min(candidates, key=lambda t: load.get((t, day), 0))
                n = load.get((tech, day), 0)
                start, end = wins[min(n // per_window, len(wins) - 1)]
                slots.append(Slot(hid, tech, day, start, end))
                load[(tech, day)] = n + 1
                free[tech] -= 1
                taken.add(hid)
            waiting = [h for h in waiting if h[0] not in taken]
        day += dt.timedelta(days=1)
    return slots


class Outcome(StrEnum):
    DONE = "done"
    ABSENT = "absent"  # the customer was not at home
    REFUSED = "refused"  # the customer refused the check (recorded with a reason, counted, no repeat)
    NOT_VISITED = "not_visited"  # the visit did not happen for the company's reasons or was cancelled


class Next(StrEnum):
    DONE = "done"
    REPEAT = "repeat"  # plan another visit, not before the given day
    LETTER = "letter"  # attempts exhausted: a letter asks the customer to book a visit
    REFUSED = "refused"


@dataclass(frozen=True)
class AfterVisit:
    next: Next
    absences: int
    not_before: dt.date | None = None
    next_due: dt.date | None = None


def after_visit(
    outcome: Outcome,
    visit_day: dt.date,
    *,
    absences: int,
    absent_repeats: int,
    repeat_gap_days: int,
    recheck_months: int,
) -> AfterVisit:
    """R-18 repeat rules: done → next check due ``recheck_months`` later; customer absent → up to
    ``absent_repeats`` further attempts, each at least ``repeat_gap_days`` after the last, then a letter
    asking the customer to book; refused → recorded, no repeat; a visit that did not happen for the
    company's reasons → planned again from the next day without counting against the customer."""
    if outcome == Outcome.DONE:
        return AfterVisit(Next.DONE, absences, next_due=add_months(visit_day, recheck_months))
    if outcome == Outcome.REFUSED:
        return AfterVisit(Next.REFUSED, absences)
    if outcome == Outcome.NOT_VISITED:
        return AfterVisit(Next.REPEAT, absences, not_before=visit_day + dt.timedelta(days=1))
    absences += 1
    if absences > absent_repeats:
        return AfterVisit(Next.LETTER, absences)
    return AfterVisit(Next.REPEAT, absences, not_before=visit_day + dt.timedelta(days=repeat_gap_days))


@dataclass(frozen=True)
class Progress:
    households: int
    planned: int  # ever given a visit
    scheduled: int  # a visit booked now
    done: int
    refused: int
    absent: int  # attempts exhausted, letter sent
    waiting_repeat: int  # not at home, another attempt to plan
    remaining: int  # never planned yet

    @property
    def coverage(self) -> float:
        """Share of the households checked, in per cent (one decimal)."""
        return round(100.0 * self.done / self.households, 1) if self.households else 0.0


def progress(counts: Mapping[str, int], planned: int, waiting_repeat: int) -> Progress:
    """The campaign's figures from the household counts by status."""
    total = sum(counts.values())
    pending = counts.get("pending", 0)
    return Progress(
        households=total,
        planned=planned,
        scheduled=counts.get("scheduled", 0),
        done=counts.get("done", 0),
        refused=counts.get("refused", 0),
        absent=counts.get("absent", 0),
        waiting_repeat=waiting_repeat,
        remaining=pending - waiting_repeat,
    )


PLACEHOLDERS = ("name", "date", "window", "technician", "hotline")


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in a notice text that the campaign cannot fill (``{address}``…)."""
    found: list[str] = []
    i = 0
    while (start := text.find("{", i)) != -1:
        end = text.find("}", start)
        if end == -1:
            break
        name = text[start + 1 : end]
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
        i = end + 1
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """The notice with its placeholders replaced (anything else is left as written)."""
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text


def days_between(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)

"""Pure rules of the staffing table (no Django, no I/O): half-hour slots and how many shifts cover them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES


def slot_of(t: dt.time) -> int:
    return (t.hour * 60 + t.minute) // SLOT_MINUTES


def slot_label(slot: int) -> str:
    start = slot * SLOT_MINUTES
    end = start + SLOT_MINUTES
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60 % 24:02d}:{end % 60:02d}"


@dataclass(frozen=True)
class ShiftSpan:
    date: dt.date
    start: dt.time
    end: dt.time  # at or before start: the shift runs past midnight


def slot_coverage(day: dt.date, shifts: Iterable[ShiftSpan]) -> list[int]:
    """For each half-hour slot of ``day``, the number of shifts covering the whole slot. Shifts of the
    day before that run past midnight count for their part on ``day``."""
    counts = [0] * SLOTS_PER_DAY
    for s in shifts:
        start_min = s.start.hour * 60 + s.start.minute
        end_min = s.end.hour * 60 + s.end.minute
        if end_min <= start_min:
            end_min += 24 * 60
        offset = (s.date - day).days * 24 * 60
        lo, hi = start_min + offset, end_min + offset
        for slot in range(SLOTS_PER_DAY):
            a = slot * SLOT_MINUTES
            if lo <= a and a + SLOT_MINUTES <= hi:
                counts[slot] += 1
    return counts

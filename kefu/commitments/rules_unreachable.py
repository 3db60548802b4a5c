"""Pure rule of the "customer unreachable" report (R-14): the contact attempts company policy requires first.

Default policy: three attempts by phone or SMS, at least 2 hours apart, within the time limit (between the
clock's start and the report). Attempts closer together than the gap count once; the earliest-first choice
counts the most attempts possible. No Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    attempts: int = 3
    min_gap: dt.timedelta = dt.timedelta(hours=2)
    methods: frozenset[str] = frozenset({"phone", "sms"})


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    method: str


@dataclass(frozen=True)
class Verdict:
    counted: tuple[dt.datetime, ...]  # the attempts that count, earliest first
    missing: int  # how many more are needed (0: the report may be filed)
    next_not_before: dt.datetime | None  # the earliest time the next attempt counts
    ignored_method: int  # attempts by a means the policy does not count
    ignored_outside: int  # attempts before the clock started or after the report
    ignored_too_close: int  # attempts closer than the gap to a counted one

    @property
    def ok(self) -> bool:
        return self.missing == 0


def check_attempts(
    attempts: Iterable[Attempt], policy: Policy, start: dt.datetime, end: dt.datetime
) -> Verdict:
    """Which attempts count toward ``policy`` between ``start`` (the clock's start) and ``end`` (the report)."""
    method = outside = close = 0
    eligible: list[dt.datetime] = []
    for a in attempts:
        if a.method not in policy.methods:
            method += 1
        elif not start <= a.at <= end:
            outside += 1
        else:
            eligible.append(a.at)
    counted: list[dt.datetime] = []
    for at in sorted(eligible):
        if counted and at - counted[-1] < policy.min_gap:
            close += 1
            continue
        counted.append(at)
    missing = max(0, policy.attempts - len(counted))
    following = counted[-1] + policy.min_gap if counted and missing else None
    return Verdict(tuple(counted), missing, following, method, outside, close)

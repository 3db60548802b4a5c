"""Periodic jobs are registered here by each app's jobs.py (imported by the runner)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: dt.timedelta
    func: Callable[[], object]
    lease: dt.timedelta = dt.timedelta(minutes=10)


JOBS: dict[str, PeriodicJob] = {}
Job = TypeVar("Job", bound=Callable[[], object])


def periodic(name: str, *, every: dt.timedelta, lease: dt.timedelta | None = None) -> Callable[[Job], Job]:
    """Register ``func`` to run every ``every`` on exactly one worker at a time (it stays callable
    with its own signature, e.g. by tests)."""

    def wrap(func: Job) -> Job:
        JOBS[name] = PeriodicJob(name, every, func, lease or dt.timedelta(minutes=10))
        return func

    return wrap

"""The present, as the product sees it: ``clock.now()`` and ``clock.localdate()``.

Product code asks this module for the current time instead of ``django.utils.timezone``. Normally the
answer is the real present — ``django.utils.timezone.now()``, looked up at each call, so tests that
monkeypatch ``django.utils.timezone.now`` keep working. Inside ``with clock.simulated() as sim:`` it is
whatever ``sim.at`` is set to (the real present while ``sim.at`` is None): the demo loader plays six
months of history this way, so every timestamp the actions write is the moment of the step.

The override lives in a :class:`contextvars.ContextVar`: it applies to the thread (or asyncio task)
that entered the block, never to requests served by other threads at the same time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone


class SimulatedTime:
    """A settable present (``at``); None means the real present."""

    def __init__(self, at: dt.datetime | None = None) -> None:
        self.at = at

    def set(self, at: dt.datetime | None) -> None:
        if at is not None and timezone.is_naive(at):
            raise ValueError("the simulated time must be an aware datetime")
        self.at = at


_simulated: ContextVar[SimulatedTime | None] = ContextVar("kefu_simulated_time", default=None)


def now() -> dt.datetime:
    """The current time (aware, UTC): the simulated one inside :func:`simulated`, else the real one."""
    sim = _simulated.get()
    if sim is not None and sim.at is not None:
        return sim.at
    return timezone.now()


def is_simulated() -> bool:
    """Whether history is being played (inside :func:`simulated`): what happens now happened in the past."""
    return _simulated.get() is not None


def localdate() -> dt.date:
    """Today's date in the current time zone, of :func:`now`."""
    return timezone.localdate(now())


@contextmanager
def simulated(at: dt.datetime | None = None) -> Iterator[SimulatedTime]:
    """Within the block, :func:`now` returns the yielded object's ``at`` (set it with ``.set()``)."""
    sim = SimulatedTime()
    sim.set(at)
    token = _simulated.set(sim)
    try:
        yield sim
    finally:
        _simulated.reset(token)


__all__ = ["SimulatedTime", "is_simulated", "localdate", "now", "simulated"]

"""A settable clock for tests: every ``django.utils.timezone.now()`` in the project reads it.

    @pytest.fixture
    def now(monkeypatch):
        return freeze(monkeypatch, sh(2026, 3, 2, 9, 0))

    def test_x(now):
        now.set(sh(2026, 3, 3, 9, 0))          # or now.advance(dt.timedelta(hours=2))

``frozen_at(moment)`` is the same as a context manager, for code outside a fixture (e.g. a thread
harness); it patches the module attribute, so every thread sees it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def local(
    tz: dt.tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """A wall-clock moment in ``tz`` (aware)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment in China Standard Time (the time zone of the test branches)."""
    return local(SH, year, month, day, hour, minute, second)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return local(UTC, year, month, day, hour, minute, second)


class FakeClock:
    """What ``timezone.now()`` answers while the clock is installed."""

    def __init__(self, value: dt.datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("a fake clock needs an aware datetime")
        self.value = value

    def set(self, moment: dt.datetime) -> None:
        self.value = moment

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self.value += delta
        return self.value

    def __call__(self) -> dt.datetime:
        return self.value


def freeze(monkeypatch: pytest.MonkeyPatch, start: dt.datetime) -> FakeClock:
    """Install a fake clock at ``start`` until the test ends."""
    clock = FakeClock(start)
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[FakeClock]:
    """Install a fake clock at ``moment`` for the ``with`` block."""
    clock = FakeClock(moment)
    with mock.patch("django.utils.timezone.now", clock):
        yield clock

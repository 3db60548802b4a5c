"""kefu.lib.clock: the real present by default, a settable one inside ``simulated()``."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from kefu.lib import clock

UTC = dt.UTC


def test_now_is_django_now_looked_up_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = dt.datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: fixed)
    assert clock.now() == fixed
    with timezone.override("Asia/Shanghai"):
        assert clock.localdate() == dt.date(2026, 3, 2)  # 01:30 the next morning in Shanghai
    with timezone.override("UTC"):
        assert clock.localdate() == dt.date(2026, 3, 1)


def test_simulated_time_is_set_step_by_step_and_ends_with_the_block() -> None:
    step1 = dt.datetime(2025, 6, 30, 15, 59, tzinfo=UTC)
    step2 = dt.datetime(2025, 6, 30, 16, 1, tzinfo=UTC)
    with clock.simulated() as sim:
        real = clock.now()
        assert abs(real - timezone.now()) < dt.timedelta(seconds=5)  # None: the real present
        sim.set(step1)
        assert clock.now() == step1
        with timezone.override("Asia/Shanghai"):
            assert clock.localdate() == dt.date(2025, 6, 30)
            sim.set(step2)
            assert clock.now() == step2
            assert clock.localdate() == dt.date(2025, 7, 1)  # 00:01 in Shanghai
        sim.set(None)
        assert clock.now() != step2
    assert clock.now().year >= 2026


def test_simulated_blocks_nest_and_restore() -> None:
    outer_at = dt.datetime(2024, 1, 1, tzinfo=UTC)
    inner_at = dt.datetime(2023, 1, 1, tzinfo=UTC)
    with clock.simulated(outer_at):
        with clock.simulated(inner_at):
            assert clock.now() == inner_at
        assert clock.now() == outer_at
    assert clock.now() > outer_at


def test_simulated_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"), clock.simulated(dt.datetime(2025, 1, 1)):
        pass
    with clock.simulated() as sim, pytest.raises(ValueError, match="aware"):
        sim.set(dt.datetime(2025, 1, 1))


def test_simulation_does_not_leak_into_other_threads() -> None:
    at = dt.datetime(2020, 5, 5, 5, 5, tzinfo=UTC)
    seen: list[dt.datetime] = []
    with clock.simulated(at):
        worker = threading.Thread(target=lambda: seen.append(clock.now()))
        worker.start()
        worker.join()
        assert clock.now() == at
    assert seen and seen[0].year >= 2026

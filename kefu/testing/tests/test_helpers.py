"""The shared test helpers: the fake clock, the thread harness and the program runner."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.utils import timezone

from kefu.testing.clock import FakeClock, freeze, frozen_at, local, sh, utc
from kefu.testing.shell import free_port, kefu_command, kefu_env, run
from kefu.testing.threads import together


def test_moments_are_aware_in_their_zone() -> None:
    assert sh(2026, 3, 2, 9, 30) == utc(2026, 3, 2, 1, 30)
    assert local(dt.UTC, 2026, 1, 1) == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sh(2026, 3, 2).utcoffset() == dt.timedelta(hours=8)


def test_freeze_sets_and_advances_every_now(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = freeze(monkeypatch, sh(2026, 3, 2, 9, 0))
    assert timezone.now() == sh(2026, 3, 2, 9, 0)
    clock.set(sh(2026, 3, 3, 9, 0))
    assert timezone.now() == sh(2026, 3, 3, 9, 0)
    assert clock.advance(dt.timedelta(minutes=5)) == timezone.now() == sh(2026, 3, 3, 9, 5)
    with pytest.raises(ValueError, match="aware"):
        FakeClock(dt.datetime(2026, 3, 2))


def test_frozen_at_is_seen_by_other_threads_and_ends_with_the_block() -> None:
    seen: list[dt.datetime] = []
    with frozen_at(utc(2026, 3, 2, 12, 0)):
        t = threading.Thread(target=lambda: seen.append(timezone.now()))
        t.start()
        t.join()
    assert seen == [utc(2026, 3, 2, 12, 0)]
    assert timezone.now() > utc(2026, 3, 3)  # the real clock again


def test_together_starts_the_threads_at_once_and_collects_results() -> None:
    names = together(lambda i: (i, threading.current_thread().name), range(4))
    assert sorted(i for i, _ in names) == [0, 1, 2, 3]
    assert len({name for _, name in names}) == 4  # one thread each
    # a barrier of 3 only opens when all 3 wait: the calls do run at the same time
    gate = threading.Barrier(3, timeout=10)
    assert together(lambda _: gate.wait() >= 0, range(3)) == [True, True, True]


def test_together_raises_what_a_thread_raised() -> None:
    def work(i: int) -> int:
        if i == 2:
            raise ZeroDivisionError("thread 2")
        return i

    with pytest.raises(ZeroDivisionError, match="thread 2"):
        together(work, range(3))


def test_run_captures_output_and_kefu_env_drops_the_database(tmp_path: Path) -> None:
    done = run(kefu_command("--help"))
    assert done.returncode == 0 and "serve" in done.stdout
    env = kefu_env(tmp_path / "data")
    assert "DATABASE_URL" not in env and env["KEFU_DATA_DIR"].endswith("data")
    assert 1024 <= free_port() <= 65535

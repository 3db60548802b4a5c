import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from kefu.jobs import registry, runner
from kefu.jobs.models import JobState
from kefu.testing.threads import together


@pytest.fixture
def counting_job(monkeypatch):
    calls = []
    lock = threading.Lock()

    def job():
        with lock:
            calls.append(threading.get_ident())

    monkeypatch.setattr(registry, "JOBS", {})
    monkeypatch.setattr(runner, "JOBS", registry.JOBS)
    registry.periodic("test.count", every=dt.timedelta(hours=1))(job)
    return calls


@pytest.mark.django_db
def test_due_job_runs_once_and_is_rescheduled(counting_job):
    assert runner.run_due_jobs("w1") == ["test.count"]
    assert runner.run_due_jobs("w2") == []  # not due again for an hour
    state = JobState.objects.get(name="test.count")
    assert state.runs == 1
    assert state.claimed_by == ""
    assert state.next_run_at > timezone.now() + dt.timedelta(minutes=59)
    assert len(counting_job) == 1


@pytest.mark.django_db
def test_failed_job_records_error_and_loop_continues(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", {})
    monkeypatch.setattr(runner, "JOBS", registry.JOBS)

    def broken():
        raise ValueError("boom")

    registry.periodic("test.broken", every=dt.timedelta(minutes=5))(broken)
    assert runner.run_due_jobs("w1") == ["test.broken"]
    state = JobState.objects.get(name="test.broken")
    assert "ValueError: boom" in state.last_error
    assert state.claimed_until is None


@pytest.mark.django_db
def test_claim_held_by_a_live_worker_is_respected_and_an_expired_one_taken_over(counting_job):
    runner.ensure_rows()
    now = timezone.now()
    JobState.objects.filter(name="test.count").update(
        claimed_by="other", claimed_until=now + dt.timedelta(minutes=5)
    )
    assert runner.run_due_jobs("w1") == []
    JobState.objects.filter(name="test.count").update(claimed_until=now - dt.timedelta(seconds=1))
    assert runner.run_due_jobs("w1") == ["test.count"]


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_run_a_due_job_exactly_once(counting_job):
    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    runner.ensure_rows()
    ran = together(lambda i: runner.run_due_jobs(f"w{i}"), range(6))
    assert sum(len(r) for r in ran) == 1
    assert len(counting_job) == 1

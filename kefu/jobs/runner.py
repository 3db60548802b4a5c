"""The worker loop (`kefu worker`; also inside `kefu serve` in the embedded default).

Claiming is one conditional UPDATE per job — ``UPDATE jobstate SET claimed_by=…, claimed_until=now+lease
WHERE name=… AND next_run_at <= now AND (claimed_until IS NULL OR claimed_until < now)`` — so with any
number of workers on one PostgreSQL (or SQLite) database a due job runs exactly once per interval. A
worker that dies mid-run loses its claim when the lease runs out and another worker takes over.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import traceback

from django.apps import apps
from django.db import close_old_connections
from django.db.models import F, Q

from kefu.jobs.models import JobState
from kefu.jobs.registry import JOBS, PeriodicJob
from kefu.lib import clock

log = logging.getLogger("kefu.worker")


def load_job_modules() -> None:
    """Import every installed Kefu app's ``jobs`` module so that it registers its jobs."""
    for config in apps.get_app_configs():
        if config.name.startswith("kefu."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def ensure_rows() -> None:
    now = clock.now()
    existing = set(JobState.objects.values_list("name", flat=True))
    JobState.objects.bulk_create(
        [JobState(name=name, next_run_at=now) for name in JOBS if name not in existing], ignore_conflicts=True
    )


def claim(job: PeriodicJob, me: str) -> bool:
    now = clock.now()
    return bool(
        JobState.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), name=job.name, next_run_at__lte=now
        ).update(claimed_by=me, claimed_until=now + job.lease, last_started_at=now)
    )


def run_job(job: PeriodicJob, me: str) -> bool:
    """Run ``job`` if it is due and this worker wins the claim. Returns whether it ran."""
    if not claim(job, me):
        return False
    error = ""
    try:
        job.func()
    except Exception:
        error = traceback.format_exc()[-4000:]
        log.exception("job %s failed", job.name)
    finished = clock.now()
    JobState.objects.filter(name=job.name, claimed_by=me).update(
        claimed_by="",
        claimed_until=None,
        last_finished_at=finished,
        last_error=error,
        next_run_at=finished + job.interval,
        runs=F("runs") + 1,
    )
    return True


def run_due_jobs(me: str | None = None) -> list[str]:
    """One pass over all registered jobs; returns the names that ran here."""
    me = me or worker_id()
    ensure_rows()
    return [job.name for job in list(JOBS.values()) if run_job(job, me)]


def run_forever(stop: threading.Event, *, poll_seconds: float = 5.0) -> None:
    load_job_modules()
    me = worker_id()
    log.info("worker %s started with jobs: %s", me, ", ".join(sorted(JOBS)))
    while not stop.is_set():
        try:
            close_old_connections()
            run_due_jobs(me)
            close_old_connections()
        except Exception:  # the loop must survive a database restart
            log.exception("worker pass failed; retrying")
        stop.wait(poll_seconds)
    log.info("worker %s stopped", me)

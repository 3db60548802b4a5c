"""Housekeeping jobs."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from kefu.jobs.registry import periodic


@periodic("housekeeping.clear_sessions", every=dt.timedelta(hours=24))
def clear_sessions() -> None:
    call_command("clearsessions")

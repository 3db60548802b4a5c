"""Periodic jobs of inspections (registered with kefu.jobs; idempotent)."""

from __future__ import annotations

import datetime as dt

from kefu.inspections import actions
from kefu.jobs.registry import periodic


@periodic("inspections.overdue_actions", every=dt.timedelta(hours=1), lease=dt.timedelta(minutes=30))
def overdue_actions() -> int:
    """R-28: open corrective actions past their due date are flagged (and audited) once."""
    return actions.flag_overdue_actions()

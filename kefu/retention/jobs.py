"""The retention job (docs/privacy.md, "Retention")."""

from __future__ import annotations

import datetime as dt

from kefu.jobs.registry import periodic
from kefu.jobs.runner import worker_id
from kefu.retention import actions


@periodic("retention.prune", every=dt.timedelta(hours=6), lease=dt.timedelta(hours=1))
def prune() -> int:
    """Delete or anonymise every kind of data past its retention period (the run log says what)."""
    return len(actions.run(me=worker_id()))

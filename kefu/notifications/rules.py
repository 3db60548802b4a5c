"""Pure rules of notifications: default delivery channels and quiet hours. No Django."""

from __future__ import annotations

import datetime as dt

EMERGENCY = "emergency"  # the preference row for events on urgent orders, whatever their kind
# kinds that also go out by SMS unless the staff member says otherwise
DEFAULT_SMS = frozenset({"breach", "escalation", EMERGENCY})


def default_channels(kind: str) -> tuple[bool, bool]:
    """(e-mail, SMS) for a kind without a stored preference."""
    return False, kind in DEFAULT_SMS


def quiet_end(local_now: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """If ``local_now`` (aware, in the staff member's zone) lies in the quiet period [start, end) — which
    wraps midnight when start > end — the local time it ends; else None. start == end: no quiet period."""
    if start == end:
        return None
    t = local_now.time().replace(tzinfo=None)
    day = local_now.date()
    if start < end:
        if not start <= t < end:
            return None
    elif t >= start:
        day += dt.timedelta(days=1)
    elif t >= end:
        return None
    return dt.datetime.combine(day, end, tzinfo=local_now.tzinfo)

"""Pure rules of notifications: default delivery channels and quiet hours. No Django."""

from __future__ import annotations

import datetime as dt

EMERGENCY = "emergency"  # the preference row for events on urgent orders, whatever their kind
# kinds that also go out by SMS unless the staff member says otherwise
DEFAULT_SMS = frozenset({"breach", "escalation", EMERGENCY})


def default_channels(kind: str) -> tuple[bool, bool, bool]:
    """(e-mail, SMS, WeCom) for a kind without a stored preference."""
    return False, kind in DEFAULT_SMS, False


def either(a: tuple[bool, ...], b: tuple[bool, ...]) -> tuple[bool, bool, bool]:
    """Channel by channel, what one of the two preferences asks for (a kind's and the emergency one)."""
    email, sms, wecom = (x or y for x, y in zip(a, b, strict=True))
    return email, sms, wecom


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

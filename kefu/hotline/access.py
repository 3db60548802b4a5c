"""Which customers a hotline agent has on the line now (docs/hotline.md, "Access").

A customer is on the line for the agent while

- a CTI call of that customer is routed to the agent (ringing or answered, started within the pop's
  30 minutes), or ended less than ``KEFU_HOTLINE_WRAPUP_MINUTES`` (10) ago — the wrap-up to register the
  order after hanging up;
- a hotline session is open: a customer opened from the hotline search or created on the hotline, for
  ``KEFU_HOTLINE_SESSION_MINUTES`` (30) or until the agent ends it or opens another customer.

``customers.access`` and ``workorders.access`` add these customers (and their orders) to a hotline agent's
rows; nothing else widens a hotline agent's view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from kefu.channels.models.gateways import Call, CallState
from kefu.hotline.models import HotlineSession
from kefu.lib import clock

# as kefu.channels.cti.calls.POP_MAX_AGE: a call older than this is no longer on the line
CALL_MAX_AGE = dt.timedelta(minutes=30)


def wrapup() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "KEFU_HOTLINE_WRAPUP_MINUTES", 10)))


def session_length() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "KEFU_HOTLINE_SESSION_MINUTES", 30)))


def open_sessions(staff_id: int, now: dt.datetime | None = None) -> QuerySet[HotlineSession]:
    now = now or clock.now()
    return HotlineSession.objects.filter(staff_id=staff_id, ended_at__isnull=True, expires_at__gt=now)


def live_calls(staff_id: int, now: dt.datetime | None = None) -> QuerySet[Call]:
    """The agent's calls still on the line (or in their wrap-up) that have a known customer."""
    now = now or clock.now()
    return Call.objects.filter(staff_id=staff_id, customer__isnull=False).filter(
        Q(state__in=(CallState.RINGING, CallState.ANSWERED), started_at__gte=now - CALL_MAX_AGE)
        | Q(state=CallState.ENDED, ended_at__gte=now - wrapup())
    )


def on_the_line_q(staff_id: int, field: str = "pk") -> Q:
    """A filter on ``field`` (a customer id) for the customers on the line of agent ``staff_id``: two
    sub-queries, evaluated by the database inside the caller's statement."""
    now = clock.now()
    sessions: Any = open_sessions(staff_id, now).values("customer_id")
    calls: Any = live_calls(staff_id, now).values("customer_id")
    return Q(**{f"{field}__in": sessions}) | Q(**{f"{field}__in": calls})


def on_the_line_ids(staff_id: int) -> set[int]:
    now = clock.now()
    return set(open_sessions(staff_id, now).values_list("customer_id", flat=True)) | set(
        live_calls(staff_id, now).values_list("customer_id", flat=True)
    )

"""Template helpers of the "Time limits" card and the queue's remaining time (commitments.clocks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import template

from kefu.commitments import clocks, rules
from kefu.commitments.models import OPEN_CLOCK_STATUSES, ExtensionRequest, OrderClock
from kefu.commitments.rules import ClockState
from kefu.lib import clock as lib_clock
from kefu.lib.durations import DAY, TimeLeft, format_time_left, time_basis_help

register = template.Library()


@dataclass
class ClockRow:
    clock: OrderClock
    state: ClockState | None
    status: str
    is_open: bool
    paused_since: dt.datetime | None
    extensions: list[ExtensionRequest] = field(default_factory=list)
    can_request: bool = False
    can_report: bool = False
    decidable: list[int] = field(default_factory=list)
    time_left: TimeLeft | None = None


@register.simple_tag
def order_clocks(o: Any, staff: Any) -> list[ClockRow]:
    """Each clock of the order with its live state (two queries; calendars come from the cache)."""
    now = lib_clock.now()
    rows = []
    # the same list as the "Reaching the customer" card of the page (loaded once per request)
    for c in clocks.order_clock_list(o):
        st = clocks.state(c, now)
        status = clocks.live_status(c, st)
        is_open = status in OPEN_CLOCK_STATUSES
        exts = list(c.extensions.all())
        row = ClockRow(
            clock=c,
            state=st,
            status=status,
            is_open=is_open,
            paused_since=clocks.paused_since(c),
            extensions=exts,
        )
        if st is not None and st.remaining is not None:
            working = not rules.is_real_time(c.unit)
            day = rules.working_day_length(clocks.work_calendar(c.calendar_id)) if working else DAY
            row.time_left = TimeLeft(st.remaining, working=working, working_day=day)
        if staff is not None and is_open and status != "breached" and c.started_at is not None:
            row.can_request = staff.pk in (o.owner_id, o.assignee_id) and not any(
                e.status == "pending" for e in exts
            )
            row.can_report = staff.can("order.work") and (
                c.unreachable_reported_at is None or c.unreachable_status == "rejected"
            )
        if staff is not None:
            row.decidable = [e.pk for e in exts if e.status == "pending" and clocks.may_decide(staff, e, o)]
        rows.append(row)
    return rows


def _time_left(value: TimeLeft | dt.timedelta) -> TimeLeft:
    return value if isinstance(value, TimeLeft) else TimeLeft(value)


@register.filter
def time_left(value: TimeLeft | dt.timedelta | None) -> str:
    """Remaining or overdue time in readable units that say working or clock time
    (``kefu.lib.durations.format_time_left``); a bare timedelta is clock time."""
    if value is None:
        return "—"
    return format_time_left(_time_left(value))


@register.filter
def time_basis(value: TimeLeft | dt.timedelta | None) -> str:
    """The tooltip of a ``time_left`` value: what the time counts."""
    if value is None:
        return ""
    return time_basis_help(_time_left(value).working)


@register.filter
def amount(value: Any) -> str:
    """A Decimal amount without trailing zeros (5.00 → 5, 1.50 → 1.5)."""
    try:
        text = f"{Decimal(str(value)):f}"
    except ArithmeticError:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def parse_iso(value: Any) -> dt.datetime | None:
    """An ISO 8601 time stored in a timeline entry's data, as a datetime for the ``date`` filter."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None

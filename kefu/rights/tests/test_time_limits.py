"""The legal time limit of a personal information request, on the branch calendar: 15 working days under
PIPL practice (across the 2026 National Day holiday and its make-up Saturday), one calendar month for a
branch answering under the GDPR (31 January → end of 28 February)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kefu.commitments import clocks
from kefu.commitments import rules as cal_rules
from kefu.commitments.models import OrderClock
from kefu.rights import actions
from kefu.testing.clock import FakeClock, freeze, sh, utc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


def _resolution(order_pk: int) -> OrderClock:
    return OrderClock.objects.get(workorder_id=order_pk, kind="resolution")


def test_fifteen_working_days_across_the_national_day_holiday(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    now: FakeClock = freeze(monkeypatch, sh(2026, 9, 28, 10, 0))  # Monday
    c = world.customer()
    r = actions.do_counter_request(world.agent.user, c.pk, "copy")
    o = r.workorder
    o.refresh_from_db()
    assert (r.regime, getattr(o.service, "code", None), o.order_type, o.channel) == (
        "pipl",
        "personal-information-request",
        "inquiry",
        "counter",
    )
    rc = _resolution(o.pk)
    assert (rc.unit, int(rc.amount)) == ("working_days", 15)
    # receipt day Mon 28 Sep (not counted); 29, 30 Sep (2); 1-7 Oct National Day; 8, 9, Sat 10 (make-up
    # working day), 12 … 16, 19 … 23 Oct: the 15th working day is Fri 23 Oct, due at its close 17:30
    assert rc.due_at == sh(2026, 10, 23, 17, 30) == utc(2026, 10, 23, 9, 30)
    assert o.due_at == rc.due_at
    assert actions.deadline(r) == sh(2026, 10, 23, 17, 30)
    now.set(sh(2026, 10, 23, 17, 31))
    assert now() > o.due_at


def test_one_calendar_month_for_a_gdpr_branch(world, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_GDPR_BRANCHES = ("south",)
    freeze(monkeypatch, sh(2026, 1, 31, 10, 0))
    south = world.customer(name="Kovács Anna", phone="13700000001", branch=world.south)
    north = world.customer(name="王五", phone="13700000002")
    r = actions.do_counter_request(world.agent_south.user, south.pk, "erasure")
    assert (r.regime, getattr(r.workorder.service, "code", None)) == (
        "gdpr",
        "personal-information-request-gdpr",
    )
    rc = _resolution(r.workorder.pk)
    assert (rc.unit, int(rc.amount)) == ("calendar_months", 1)
    # 31 January + 1 month: February has no 31st → the end of 28 February (local midnight)
    assert rc.due_at == sh(2026, 3, 1, 0, 0) == utc(2026, 2, 28, 16, 0)
    # the north branch is not listed: PIPL, 15 working days (31 Jan is a Saturday; Spring Festival 15-23 Feb)
    r2 = actions.do_counter_request(world.agent.user, north.pk, "copy")
    assert r2.regime == "pipl" and _resolution(r2.workorder.pk).unit == "working_days"


def _cal(tz: str) -> cal_rules.WorkCalendar:
    return cal_rules.WorkCalendar(tz, is_24x7=True)


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (sh(2026, 1, 31, 10), 1, sh(2026, 3, 1)),  # no 31 February: end of the month's last day
        (sh(2028, 1, 30, 10), 1, sh(2028, 3, 1)),  # leap year: end of 29 February
        (sh(2026, 3, 3, 9), 1, sh(2026, 4, 4)),  # the EDPB's example: 3 March → 3 April (end of day)
        (sh(2026, 12, 15, 9), 1, sh(2027, 1, 16)),  # across the year
        (sh(2026, 5, 31, 23, 30), 3, sh(2026, 9, 1)),  # 31 May + 3 months → end of 31 August
    ],
)
def test_calendar_months(start: dt.datetime, months: int, due: dt.datetime) -> None:
    assert cal_rules.add_calendar_months(start, months, _cal("Asia/Shanghai")) == due


def test_calendar_months_count_in_the_calendars_time_zone_and_pauses_move_them() -> None:
    # 23:30 UTC on 30 April is already 1 May in Budapest (CEST, UTC+2): due at the end of 1 June there
    cal = _cal("Europe/Budapest")
    start = utc(2026, 4, 30, 23, 30)
    assert cal_rules.add_calendar_months(start, 1, cal) == utc(2026, 6, 1, 22, 0)
    limit = cal_rules.Limit(cal_rules.Unit.CALENDAR_MONTHS, 1)
    assert cal_rules.due_at(cal_rules.Clock(limit, start), cal) == utc(2026, 6, 1, 22, 0)
    paused = cal_rules.Clock(limit, start, pauses=(cal_rules.Pause(utc(2026, 5, 4), utc(2026, 5, 6)),))
    assert cal_rules.due_at(paused, cal) == utc(2026, 6, 3, 22, 0)  # two days waiting for the customer
    with pytest.raises(ValueError):
        cal_rules.Limit(cal_rules.Unit.CALENDAR_MONTHS, Decimal("1.5"))

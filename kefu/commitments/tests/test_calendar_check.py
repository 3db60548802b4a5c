"""`kefu check`: a branch calendar without this year's holidays is an error, without next year's a warning."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from kefu.checks import check_calendar_data
from kefu.cli import cmd_check
from kefu.commitments.calendars import current_year
from kefu.commitments.models import BusinessCalendar, CalendarYear, WorkingPeriod


def office_calendar(name: str) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name)
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=dt.time(8, 30), end=dt.time(12))
    return calendar


@pytest.mark.django_db
def test_no_error_for_calendars_no_branch_uses_or_24x7_ones(world):
    office_calendar("未使用")
    hotline = BusinessCalendar.objects.create(name="热线", is_24x7=True)
    for branch in (world.north, world.south):  # a branch without one counts on the default calendar
        branch.calendar = hotline
        branch.save()
    assert check_calendar_data() == []


@pytest.mark.django_db
def test_this_year_missing_is_an_error_and_next_year_a_warning(world):
    calendar = office_calendar("城北营业时间")
    world.north.calendar = calendar
    world.north.save()
    world.south.calendar = calendar
    world.south.save()
    year = current_year(calendar)
    problems = check_calendar_data()
    assert [level for level, _ in problems] == ["error", "warning"]
    assert f"no holiday data for {year}, this year" in problems[0][1]
    assert "城北分公司, 城南分公司" in problems[0][1]
    assert f"no holiday data for {year + 1} yet" in problems[1][1]
    CalendarYear.objects.create(calendar=calendar, year=year)
    assert [level for level, _ in check_calendar_data()] == ["warning"]
    CalendarYear.objects.create(calendar=calendar, year=year + 1)
    assert check_calendar_data() == []


@pytest.mark.django_db
def test_kefu_check_exits_1_on_a_calendar_error(world, capsys):
    calendar = office_calendar("城北营业时间")
    year = current_year(calendar)
    CalendarYear.objects.create(calendar=calendar, year=year + 1)
    world.north.calendar = calendar
    world.north.save()
    world.south.calendar = calendar
    world.south.save()
    assert cmd_check(argparse.Namespace()) == 1
    out = capsys.readouterr().out
    assert (
        f"ERROR: calendar '城北营业时间' (branches: 城北分公司, 城南分公司) has no holiday data for {year}"
        in out
    )
    CalendarYear.objects.create(calendar=calendar, year=year)
    capsys.readouterr()
    cmd_check(argparse.Namespace())
    assert "calendar '" not in capsys.readouterr().out


@pytest.mark.django_db
def test_branches_without_a_calendar_are_checked_on_the_default_one(world):
    from kefu.commitments.clocks import OFFICE_CALENDAR, ensure_default_calendars

    office, _hotline = ensure_default_calendars()
    year = current_year(office)
    CalendarYear.objects.filter(calendar=office, year__in=[year, year + 1]).delete()
    problems = check_calendar_data()
    assert [level for level, _ in problems] == ["error", "warning"]
    assert (
        f"calendar '{OFFICE_CALENDAR}' (branches: 城北分公司, 城南分公司) has no holiday data for {year}"
        in (problems[0][1])
    )
    world.north.calendar = world.south.calendar = office
    world.north.save()
    world.south.save()
    assert "(branches: 城北分公司, 城南分公司)" in check_calendar_data()[0][1]  # not listed twice

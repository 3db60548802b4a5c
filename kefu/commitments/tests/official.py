"""China's official holiday schedules for 2025 and 2026, written out by hand for the tests.

Sources: the State Council General Office notices 国办发明电〔2024〕12号 (2025) and 国办发明电〔2025〕7号
(2026). The rule tests build their calendar from these lists (not from the ``chinesecalendar`` package),
and the seeding tests check that the package — and so the seeded table — says exactly the same.
"""

from __future__ import annotations

import datetime as dt

from kefu.commitments.rules import WorkCalendar, office_week

D = dt.date
T = dt.time

# (first day off, last day off, name) — every day in between is off, weekends included.
HOLIDAY_BLOCKS: dict[int, list[tuple[dt.date, dt.date, str]]] = {
    2025: [
        (D(2025, 1, 1), D(2025, 1, 1), "New Year's Day"),
        (D(2025, 1, 28), D(2025, 2, 4), "Spring Festival"),
        (D(2025, 4, 4), D(2025, 4, 6), "Tomb-sweeping Day"),
        (D(2025, 5, 1), D(2025, 5, 5), "Labour Day"),
        (D(2025, 5, 31), D(2025, 6, 2), "Dragon Boat Festival"),
        (D(2025, 10, 1), D(2025, 10, 8), "National Day"),
    ],
    2026: [
        (D(2026, 1, 1), D(2026, 1, 3), "New Year's Day"),
        (D(2026, 2, 15), D(2026, 2, 23), "Spring Festival"),
        (D(2026, 4, 4), D(2026, 4, 6), "Tomb-sweeping Day"),
        (D(2026, 5, 1), D(2026, 5, 5), "Labour Day"),
        (D(2026, 6, 19), D(2026, 6, 21), "Dragon Boat Festival"),
        (D(2026, 9, 25), D(2026, 9, 27), "Mid-autumn Festival"),
        (D(2026, 10, 1), D(2026, 10, 7), "National Day"),
    ],
}

# Weekend days that are worked (调休).
MAKEUP_DAYS: dict[int, list[dt.date]] = {
    2025: [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)],
    2026: [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
}

MORNING = (T(8, 30), T(12, 0))
AFTERNOON = (T(14, 0), T(17, 30))


def holiday_dates(year: int) -> set[dt.date]:
    days: set[dt.date] = set()
    for first, last, _name in HOLIDAY_BLOCKS[year]:
        day = first
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def china_calendar(years: tuple[int, ...] = (2025, 2026), **kw: object) -> WorkCalendar:
    """Mon–Fri 08:30–12:00 and 14:00–17:30 in Asia/Shanghai with the official holidays of ``years``."""
    holidays: set[dt.date] = set()
    makeup: set[dt.date] = set()
    for year in years:
        holidays |= holiday_dates(year)
        makeup |= set(MAKEUP_DAYS[year])
    options: dict = {
        "time_zone": "Asia/Shanghai",
        "week": office_week(MORNING, AFTERNOON),
        "holidays": frozenset(holidays),
        "makeup_days": frozenset(makeup),
        "data_years": frozenset(years),
        "name": "China office hours",
    }
    options.update(kw)
    return WorkCalendar(**options)

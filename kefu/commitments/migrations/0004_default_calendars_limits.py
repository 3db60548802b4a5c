"""Default calendars and the time limits of R-13 (data migration).

* "标准工作日": Asia/Shanghai, Monday–Friday 08:30–12:00 and 14:00–17:30, make-up days (调休) worked like a
  Monday, with every year of official holidays the installed ``chinesecalendar`` has. Later years are
  entered in the admin (``kefu check`` warns); the clocks never guess them.
* "7×24小时": the 24 × 7 calendar of hotline commitments.
* The time limits of R-13 (editable in the admin afterwards).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

OFFICE = "标准工作日"
AROUND_THE_CLOCK = "7×24小时"

LIMITS = [
    # kind, order type, tier, unit, amount, 24×7
    ("first_response", "complaint", "", "calendar_hours", 4, True),
    ("resolution", "fault_general", "", "calendar_hours", 24, False),
    ("resolution", "fault_general", "diamond", "calendar_hours", 12, False),
    ("resolution", "fault_general", "gold", "calendar_hours", 12, False),
    ("resolution", "fault_major", "", "calendar_hours", 72, False),
    ("resolution", "install_urban", "", "working_days", 5, False),
    ("resolution", "install_rural", "", "working_days", 10, False),
    ("resolution", "restoration", "", "working_days", 5, False),
    ("complaint_answer", "complaint", "", "working_days", 3, False),
]


def forwards(apps, schema_editor):
    from kefu.commitments.actions import china_package_days, china_package_years

    BusinessCalendar = apps.get_model("commitments", "BusinessCalendar")
    WorkingPeriod = apps.get_model("commitments", "WorkingPeriod")
    CalendarDay = apps.get_model("commitments", "CalendarDay")
    CalendarYear = apps.get_model("commitments", "CalendarYear")
    TimeLimit = apps.get_model("commitments", "TimeLimit")

    office, created = BusinessCalendar.objects.get_or_create(
        name=OFFICE, defaults={"time_zone": "Asia/Shanghai", "is_24x7": False, "makeup_weekday": 0}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=office, weekday=wd, start=start, end=end)
            for wd in range(5)
            for start, end in ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
        )
        try:
            years = sorted(china_package_years())
        except ImportError:  # pragma: no cover - the package is a dependency
            years = []
        for year in years:
            CalendarDay.objects.bulk_create(
                CalendarDay(calendar=office, date=date, kind=kind, name=name)
                for date, kind, name in china_package_days(year)
            )
            CalendarYear.objects.create(calendar=office, year=year, source="chinesecalendar")
    BusinessCalendar.objects.get_or_create(
        name=AROUND_THE_CLOCK, defaults={"time_zone": "Asia/Shanghai", "is_24x7": True}
    )
    if not TimeLimit.objects.exists():
        TimeLimit.objects.bulk_create(
            TimeLimit(
                kind=kind,
                order_type=order_type,
                tier=tier,
                unit=unit,
                amount=Decimal(amount),
                around_the_clock=around,
            )
            for kind, order_type, tier, unit, amount, around in LIMITS
        )


class Migration(migrations.Migration):
    dependencies = [("commitments", "0003_time_limits_clocks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""`kefu check`: configuration problems an operator must know about, as (level, message) pairs."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core import checks as django_checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.commitments.catalogue_checks import check_catalogue
from kefu.lib import transient
from kefu.retention.checks import check_retention

Problem = tuple[str, str]


def check_database() -> list[Problem]:
    problems: list[Problem] = []
    try:
        connection.ensure_connection()
    except Exception as exc:
        return [("error", f"database: cannot connect ({exc})")]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        problems.append(
            ("error", f"database: {len(pending)} migration(s) not applied; run `kefu manage migrate`")
        )
    if connection.vendor == "postgresql":
        problems += check_postgresql()
    elif connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            mode = cur.fetchone()[0]
        if str(mode).lower() not in {"wal", "memory"}:
            problems.append(("warning", f"sqlite: journal_mode is {mode}, expected WAL"))
    return problems


def check_postgresql() -> list[Problem]:
    problems: list[Problem] = []
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('server_version_num')::int, current_setting('lc_ctype')")
        version, ctype = cur.fetchone()
        if version < 150000:
            problems.append(("error", f"postgresql: version {version} is older than 15"))
        if ctype in ("C", "POSIX"):
            problems.append(
                (
                    "error",
                    f"postgresql: database LC_CTYPE is {ctype}; pg_trgm sees no Chinese "
                    "characters. Create the database with LC_CTYPE C.UTF-8 or zh_CN.UTF-8.",
                )
            )
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cur.fetchone():
            cur.execute("SELECT show_trgm('宽带故障')")
            if not cur.fetchone()[0]:
                problems.append(
                    ("error", "postgresql: show_trgm('宽带故障') is empty: no CJK trigrams in this locale")
                )
        try:
            cur.execute("SELECT kefu_bigrams('宽带故障')")
            grams = cur.fetchone()[0]
            if sorted(grams) != sorted(["宽带", "带故", "故障"]):
                problems.append(
                    ("error", f"postgresql: kefu_bigrams('宽带故障') returned {grams}; search is broken")
                )
        except Exception as exc:
            problems.append(
                ("error", f"postgresql: search function kefu_bigrams missing ({exc}); run migrations")
            )
    return problems


def check_files() -> list[Problem]:
    problems: list[Problem] = []
    media_problem = transient.media_problem()
    if media_problem:
        problems.append(
            (
                "error",
                f"KEFU_MEDIA_ROOT is missing or not writable ({media_problem}): portal uploads answer 503 and "
                "inbound e-mail with attachments waits until it is available",
            )
        )
    for code in ("zh_Hans", "en"):
        mo = Path(settings.LOCALE_PATHS[0]) / code / "LC_MESSAGES" / "django.mo"
        if code != "en" and not mo.exists():
            problems.append(("warning", f"translations: {mo} is missing; run `kefu manage compilemessages`"))
    return problems


def check_settings() -> list[Problem]:
    problems: list[Problem] = []
    if settings.DEBUG and settings.PRODUCTION:
        problems.append(("error", "KEFU_DEBUG=true must not be used with KEFU_PRODUCTION=true"))
    if settings.PRODUCTION and not os.environ.get("DATABASE_URL"):
        problems.append(("warning", "production without DATABASE_URL: the embedded SQLite database is used"))
    if settings.PRODUCTION and str(settings.SECRET_KEY).startswith("kefu-development-only"):
        problems.append(("error", "KEFU_SECRET_KEY is the development key"))
    if settings.PRODUCTION and settings.KEFU_OUTBOX_EMAIL_TRANSPORT == "file":
        problems.append(
            (
                "warning",
                "KEFU_OUTBOX_EMAIL_TRANSPORT=file in production: e-mail to customers is written to "
                f"{settings.KEFU_OUTBOX_DIR} instead of being sent (set it to smtp and the KEFU_EMAIL_* settings)",
            )
        )
    if not getattr(settings, "KEFU_PUBLIC_URL", ""):
        problems.append(
            (
                "error" if settings.PRODUCTION else "warning",
                "KEFU_PUBLIC_URL is not set: links in SMS, e-mail and notifications point to "
                "the bind address (KEFU_BIND), which customers and staff outside this machine cannot "
                "open; set it to the address people use, e.g. https://kefu.example.com",
            )
        )
    return problems


def check_calendar_data() -> list[Problem]:
    """Time limits count working days on the branches' calendars: this year's holidays must be known
    (error), next year's should be (warning). 24×7 calendars and calendars no branch uses are not checked;
    the default office calendar is checked when a branch has no calendar of its own (it counts on that one).
    """
    from django.db import DatabaseError

    from kefu.commitments.actions import china_package_years
    from kefu.commitments.calendars import current_year, missing_years
    from kefu.commitments.models import BusinessCalendar

    try:
        calendars = list(
            BusinessCalendar.objects.filter(branches__isnull=False, is_24x7=False)
            .distinct()
            .prefetch_related("years", "branches")
        )
        from kefu.commitments.clocks import OFFICE_CALENDAR
        from kefu.organization.models import Branch

        defaulted = sorted(Branch.objects.filter(calendar__isnull=True).values_list("name", flat=True))
        default = (
            BusinessCalendar.objects.filter(name=OFFICE_CALENDAR, is_24x7=False)
            .prefetch_related("years")
            .first()
            if defaulted
            else None
        )
    except DatabaseError:  # tables not there yet: check_database reports the pending migrations
        return []
    package_years = china_package_years()
    problems: list[Problem] = []
    using: dict[int, list[str]] = {c.pk: sorted(b.name for b in c.branches.all()) for c in calendars}
    if default is not None:
        if default.pk not in using:
            calendars.append(default)
        using[default.pk] = sorted([*using.get(default.pk, []), *defaulted])
    from zoneinfo import ZoneInfo

    from kefu.lib import clock

    for calendar in calendars:
        branches = ", ".join(using[calendar.pk])
        this_year = current_year(calendar)
        local = clock.now().astimezone(ZoneInfo(calendar.time_zone))
        for year in missing_years(calendar):
            if year != this_year and local.month < 11:
                continue  # next year is asked for from 1 November
            page = "the console page Administration → Business calendar (/calendars/)"
            if year in package_years:
                fix = f"load it from chinesecalendar on {page}"
            else:
                fix = (
                    "chinesecalendar has no data for it either: load the official holidays and make-up "
                    f"working days from an iCalendar or CSV file, or type them in, on {page}"
                )
            if year == this_year:
                problems.append(
                    (
                        "error",
                        f"calendar '{calendar.name}' (branches: {branches}) has no holiday data for {year}, "
                        f"this year: working-day time limits are only provisional (weekends only); {fix}",
                    )
                )
            else:
                problems.append(
                    (
                        "warning",
                        f"calendar '{calendar.name}' (branches: {branches}) has no holiday data for {year} "
                        f"yet: deadlines running into {year} are provisional (weekends only) until it is "
                        f"loaded; {fix}",
                    )
                )
    return problems


def run_checks() -> list[Problem]:
    problems: list[Problem] = []
    for message in django_checks.run_checks(include_deployment_checks=settings.PRODUCTION):
        level = "error" if message.level >= django_checks.ERROR else "warning"
        problems.append((level, f"django: {message.id}: {message.msg}"))
    problems += check_settings()
    problems += check_database()
    problems += check_files()
    problems += check_calendar_data()
    problems += check_retention()
    problems += check_catalogue()
    return problems

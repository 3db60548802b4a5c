"""Closed periods: the frozen figures give exactly the live counts of the day of the close, for every
dimension, KPI and branch scope; later changes show only after a recompute; the job closes what is due."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.jobs.registry import JOBS
from kefu.jobs.runner import load_job_modules
from kefu.reports import closing, kpis, queries, sheets
from kefu.reports.kpis import Dim, Kpi, Period, Ratio
from kefu.reports.models import ClosedPeriod, KpiFigure
from kefu.reports.tests import data
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

MARCH = Period(2026, 3)


@pytest.fixture
def known(world):  # type: ignore[no-untyped-def]
    with timezone.override("Asia/Shanghai"):
        yield data.build(world)


def scopes(world) -> list[tuple[int, ...] | None]:  # type: ignore[no-untyped-def]
    return [None, (world.north.pk,), (world.south.pk,), (world.north.pk, world.south.pk)]


def snapshot(world, period: Period = MARCH) -> dict:  # type: ignore[no-untyped-def]
    """Every sheet, company row and trend figure the reports show, for each scope."""
    out: dict = {}
    for b in scopes(world):
        scope = queries.Scope(period, b, data.TZ)
        for dim in Dim:
            out[(b, dim)] = {k: dict(v) for k, v in queries.counts_many(kpis.ALL_KPIS, dim, scope).items()}
        out[(b, "company")] = {k: c.ratio for k, c in sheets.company(scope).items()}
        out[(b, "causes")] = queries.complaint_causes(scope)
        with timezone.override(data.TZ):
            out[(b, "trend")] = [
                (t["orders"], t["complaints"], t["customers"], t["on_time"])
                for t in queries.monthly_trend([Period(2026, m) for m in range(1, 6)], b)
            ]
    return out


def test_closed_month_reads_exactly_the_live_figures(world, known) -> None:  # type: ignore[no-untyped-def]
    live = snapshot(world)
    assert live[(None, Dim.AREA)][Kpi.COMPLAINT_RATE][world.area_n1.pk] == Ratio(6, 95)  # data.py's answer
    assert live[(None, "company")][Kpi.COMPLAINT_RATE] == Ratio(9, 125)
    assert sum(live[((world.north.pk,), "causes")].values()) == 7  # data.py: 7 complaints in the north

    cp = closing.close_period(MARCH, tz=data.TZ)
    assert cp.tz == "Asia/Shanghai" and cp.figures == KpiFigure.objects.filter(period=cp).count() > 0
    assert closing.closed(MARCH, data.TZ) == cp
    assert AuditRecord.objects.filter(action="reports.close", object_id=str(cp.pk)).count() == 1

    assert snapshot(world) == live

    # a closed month's sheet is read, not counted: the close, its figures, names and targets
    scope = queries.Scope(MARCH, None, data.TZ)
    with CaptureQueriesContext(connection) as q:
        sheets.sheet(Dim.AREA, scope)
    assert len(q) <= 4, [x["sql"] for x in q]
    assert not any("workorders_workorder" in x["sql"] for x in q)


def test_changes_after_the_close_show_after_a_recompute(world, known) -> None:  # type: ignore[no-untyped-def]
    closing.close_period(MARCH, tz=data.TZ)
    n1 = world.area_n1.pk
    scope = queries.Scope(MARCH, None, data.TZ)
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(6, 95)

    # an order of March re-classified as a complaint after the close
    o = WorkOrder.objects.filter(area_id=n1, received_at__gte=data.at(2026, 3, 1)).exclude(
        order_type="complaint"
    )[0]
    WorkOrder.objects.filter(pk=o.pk).update(order_type="complaint")
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(6, 95)  # frozen
    assert queries.live_pairs(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[(n1, world.north.pk)].num == 7  # live

    # recomputed from the back office: the action is audited and the figure moves
    c = Client()
    assert c.login(username=world.admin.user.username, password=PASSWORD)
    cp = ClosedPeriod.objects.get(year=2026, month=3)
    resp = c.post(
        reverse("admin:reports_closedperiod_changelist"),
        {"action": "recompute", "_selected_action": [cp.pk]},
        follow=True,
    )
    assert resp.status_code == 200
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(7, 95)
    recomputed = ClosedPeriod.objects.get(year=2026, month=3)
    assert recomputed.closed_by_id == world.admin.user.pk
    assert AuditRecord.objects.filter(action="reports.close", actor=world.admin.user).count() == 1

    # deleting the close counts the month live again
    recomputed.delete()
    WorkOrder.objects.filter(pk=o.pk).update(order_type="repair")
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(6, 95)


def test_a_viewer_in_another_time_zone_gets_a_live_count(world, known) -> None:  # type: ignore[no-untyped-def]
    closing.close_period(MARCH, tz=data.TZ)
    assert closing.closed(MARCH, data.TZ) is not None
    london = ZoneInfo("Europe/London")
    assert closing.closed(MARCH, london) is None
    scope = queries.Scope(MARCH, None, london)
    assert closing.figures([Kpi.ON_TIME], Dim.AREA, scope) is None


def test_due_periods_and_the_job(world, known) -> None:  # type: ignore[no-untyped-def]
    first = WorkOrder.objects.order_by("received_at").values_list("received_at", flat=True)[0]
    first_month = timezone.localtime(first, data.TZ).date().replace(day=1)
    assert first_month == dt.date(2026, 2, 1)  # data.py's earliest order is in February 2026

    # March ends on 1 April; with 7 days of grace it is due on 8 April, not on the 7th
    assert closing.due_periods(dt.date(2026, 4, 7), after_days=7) == [Period(2026, 2)]
    assert closing.due_periods(dt.date(2026, 4, 8), after_days=7) == [Period(2026, 2), Period(2026, 3)]
    assert closing.due_periods(dt.date(2026, 4, 8), after_days=-1) == []
    # a year is due with its December
    due = closing.due_periods(dt.date(2027, 1, 8), after_days=7)
    assert due == [*(Period(2026, m) for m in range(2, 13)), Period(2026)]

    closing.close_period(Period(2026, 2), tz=data.TZ)
    assert closing.due_periods(dt.date(2026, 4, 8), after_days=7) == [Period(2026, 3)]

    # the registered job closes what is due (settings: 7 days) and is idempotent
    load_job_modules()
    assert JOBS["reports.close_periods"].interval == dt.timedelta(hours=6)
    assert closing.close_due(dt.date(2026, 4, 8)) == [Period(2026, 3)]
    assert closing.close_due(dt.date(2026, 4, 8)) == []
    assert set(ClosedPeriod.objects.values_list("year", "month")) == {(2026, 2), (2026, 3)}


def test_closed_year_equals_live_year(world, known) -> None:  # type: ignore[no-untyped-def]
    year = Period(2026)
    live = {
        dim: {
            k: dict(v)
            for k, v in queries.counts_many(kpis.ALL_KPIS, dim, queries.Scope(year, None, data.TZ)).items()
        }
        for dim in Dim
    }
    closing.close_period(year, tz=data.TZ)
    assert ClosedPeriod.objects.get(year=2026, month=0)
    for dim in Dim:
        frozen = queries.counts_many(kpis.ALL_KPIS, dim, queries.Scope(year, None, data.TZ))
        assert {k: dict(v) for k, v in frozen.items()} == live[dim], dim


def test_pages_of_a_closed_month_say_so_and_show_the_same_figures(world, known) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    assert c.login(username=world.admin.user.username, password=PASSWORD)
    url = reverse("console:reports_kpis", args=["area"]) + "?period=2026-03"
    with timezone.override(data.TZ):
        before = c.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="reports-closed"' not in before
        closing.close_period(MARCH, tz=data.TZ)
        after = c.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        dash = c.get(reverse("console:reports_dashboard") + "?period=2026-03", HTTP_ACCEPT_LANGUAGE="en")
        drill = c.get(
            reverse("console:reports_drill", args=["complaint_rate", "area", world.area_n1.pk])
            + "?period=2026-03&part=num"
        )
    assert 'id="reports-closed"' in after and 'id="reports-closed"' in dash.content.decode()
    assert 'id="reports-closed"' in drill.content.decode()
    # the table itself is the same (the notice aside)
    table = lambda html: html[html.index("<table") : html.index("</table>")]  # noqa: E731
    assert table(after) == table(before)


# --- snapshots of the periods not closed (docs/kpis.md, "The current month") ----------------------------


def test_open_periods() -> None:
    assert closing.open_periods(dt.date(2026, 3, 20), after_days=7) == [MARCH, Period(2026)]
    # early in a month the previous one is still in its days of grace
    assert closing.open_periods(dt.date(2026, 4, 3), after_days=7) == [MARCH, Period(2026, 4), Period(2026)]
    # the old year is counted until its December is closed
    assert closing.open_periods(dt.date(2027, 1, 3), after_days=7) == [
        Period(2026, 12),
        Period(2026),
        Period(2027, 1),
        Period(2027),
    ]
    assert closing.open_periods(dt.date(2026, 3, 20), after_days=-1) == [MARCH, Period(2026)]


def test_a_snapshot_is_read_while_fresh_and_replaced_by_the_close(world, known, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_REPORT_REFRESH_MINUTES = 10
    live = snapshot(world)
    assert closing.refresh_open(dt.date(2026, 3, 20)) == [MARCH, Period(2026)]
    snap = ClosedPeriod.objects.get(year=2026, month=3)
    assert snap.provisional and snap.figures > 0 and snap.tz == "Asia/Shanghai"
    assert not AuditRecord.objects.filter(action="reports.close").exists()  # a snapshot changes no data
    assert snapshot(world) == live

    # read, not counted
    scope = queries.Scope(MARCH, None, data.TZ)
    with CaptureQueriesContext(connection) as q:
        sheets.sheet(Dim.AREA, scope)
    assert not any("workorders_workorder" in x["sql"] for x in q), [x["sql"] for x in q]

    # a change shows at once when counting now, in the report after the next refresh
    n1 = world.area_n1.pk
    o = WorkOrder.objects.filter(area_id=n1, received_at__gte=data.at(2026, 3, 1)).exclude(
        order_type="complaint"
    )[0]
    WorkOrder.objects.filter(pk=o.pk).update(order_type="complaint")
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(6, 95)
    now = queries.Scope(MARCH, None, data.TZ, live=True)
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, now)[n1] == Ratio(7, 95)
    closing.refresh_open(dt.date(2026, 3, 21))
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(7, 95)
    assert ClosedPeriod.objects.filter(year=2026, month=3).count() == 1

    # a snapshot older than three intervals (a stopped worker) is not read: the report counts live
    WorkOrder.objects.filter(pk=o.pk).update(order_type="repair")
    ClosedPeriod.objects.filter(pk__isnull=False).update(closed_at=timezone.now() - dt.timedelta(minutes=29))
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(7, 95)  # 29 min: fresh
    ClosedPeriod.objects.filter(pk__isnull=False).update(closed_at=timezone.now() - dt.timedelta(minutes=31))
    assert closing.closed(MARCH, data.TZ) is None
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope)[n1] == Ratio(6, 95)
    with timezone.override(data.TZ):
        trend = queries.monthly_trend([MARCH], None)
    assert trend[0]["complaints"] == live[(None, "trend")][2][1]  # counted, not the stale 7

    # snapshots do not count as closes: March is due on 8 April and the close replaces its snapshot
    assert closing.due_periods(dt.date(2026, 4, 8), after_days=7) == [Period(2026, 2), MARCH]
    closing.close_period(MARCH)
    cp = ClosedPeriod.objects.get(year=2026, month=3)
    assert not cp.provisional and AuditRecord.objects.filter(action="reports.close").count() == 1
    # … and a snapshot never replaces a close
    assert closing.close_period(MARCH, provisional=True) == cp
    assert ClosedPeriod.objects.get(year=2026, month=3) == cp and not cp.provisional
    assert closing.open_periods(dt.date(2026, 4, 3), after_days=7) == [Period(2026, 4), Period(2026)]

    # off: no snapshot is made or read
    settings.KEFU_REPORT_REFRESH_MINUTES = 0
    assert closing.refresh_open(dt.date(2026, 4, 20)) == []
    ClosedPeriod.objects.filter(year=2026, month=0).update(closed_at=timezone.now())
    assert closing.closed(Period(2026), data.TZ) is None


def test_report_pages_say_when_a_snapshot_was_counted(world, known, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_REPORT_REFRESH_MINUTES = 10
    load_job_modules()
    assert "reports.refresh_open" in JOBS
    closing.refresh_open(dt.date(2026, 3, 20))
    c = Client()
    assert c.login(username=world.admin.user.username, password=PASSWORD)
    url = reverse("console:reports_kpis", args=["area"]) + "?period=2026-03"
    with timezone.override(data.TZ):
        page = c.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        now = c.get(url + "&live=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        drill = c.get(
            reverse("console:reports_drill", args=["complaint_rate", "area", world.area_n1.pk])
            + "?period=2026-03&part=num",
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    assert 'id="reports-snapshot"' in page and "recounted every 10 minutes" in page
    assert 'id="reports-count-now"' in page and "live=1" in page
    assert 'id="reports-live"' in now and 'id="reports-snapshot"' not in now
    assert 'id="reports-snapshot"' in drill
    table = lambda html: html[html.index("<table") : html.index("</table>")]  # noqa: E731
    assert table(page) == table(now)

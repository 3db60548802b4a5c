"""Every KPI recounted against data with known answers (see data.py), and the drill-downs list exactly
the rows the figures count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.followup import stats
from kefu.reports import kpis, queries, sheets
from kefu.reports.kpis import Dim, Kpi, Period, Ratio
from kefu.reports.models import KpiTarget
from kefu.reports.tests import data
from kefu.surveys import reports as survey_reports

pytestmark = pytest.mark.django_db

MARCH = Period(2026, 3)


@pytest.fixture
def known(world):  # type: ignore[no-untyped-def]
    with timezone.override("Asia/Shanghai"):
        yield data.build(world)


def scope(branches: tuple[int, ...] | None = None) -> queries.Scope:
    return queries.Scope(MARCH, branches, data.TZ)


def test_area_kpis_exact(world, known) -> None:  # type: ignore[no-untyped-def]
    n1, n2, s1 = world.area_n1.pk, world.area_n2.pk, world.area_s1.pk
    got = {k: queries.counts(k, Dim.AREA, scope()) for k in kpis.ALL_KPIS}
    # complaints ÷ customers active on the last day (households are not a denominator any more)
    assert got[Kpi.COMPLAINT_RATE][n1] == Ratio(6, 95)
    assert kpis.shown(
        Kpi.COMPLAINT_RATE, kpis.value(Kpi.COMPLAINT_RATE, got[Kpi.COMPLAINT_RATE][n1])
    ) == Decimal("63.2")
    assert got[Kpi.COMPLAINT_RATE][n2] == Ratio(1, 20)
    assert got[Kpi.COMPLAINT_RATE][s1] == Ratio(2, 10)
    assert got[Kpi.ANSWERED_24H][n1] == Ratio(30, 40)
    assert kpis.value(Kpi.ANSWERED_24H, got[Kpi.ANSWERED_24H][n1]) == Decimal(75)
    assert got[Kpi.ANSWERED_24H][n2] == Ratio(0, 10)
    assert got[Kpi.ON_TIME][n1] == Ratio(16, 20)
    assert kpis.value(Kpi.ON_TIME, got[Kpi.ON_TIME][n1]) == Decimal(80)
    assert got[Kpi.FOLLOWUP][n1] == Ratio(9, 10)
    assert got[Kpi.CSAT][n1] == Ratio(6, 8)
    assert got[Kpi.NPS][n1] == Ratio(5, 10, 2)
    assert kpis.value(Kpi.NPS, got[Kpi.NPS][n1]) == Decimal(30)
    assert got[Kpi.RETENTION][n1] == Ratio(90, 100)
    assert got[Kpi.GROWTH][n1] == Ratio(5, 100)
    assert got[Kpi.RENEWAL][n1] == Ratio(10, 20)
    assert kpis.value(Kpi.RENEWAL, got[Kpi.RENEWAL][n1]) == Decimal(50)
    assert got[Kpi.RETENTION][n2] == Ratio(20, 20)
    assert n2 not in got[Kpi.RENEWAL]


def test_staff_and_branch_kpis_exact(world, known) -> None:  # type: ignore[no-untyped-def]
    agent, senior = world.agent.pk, world.agent_senior.pk
    cr = queries.counts(Kpi.COMPLAINT_RATE, Dim.STAFF, scope())
    # complaints of the areas the person contracts ÷ their customers active on the last day
    assert cr[agent] == Ratio(6, 95)
    assert cr[senior] == Ratio(1, 20)
    assert kpis.value(Kpi.COMPLAINT_RATE, cr[senior]) == Decimal(50)
    assert world.agent_south.pk in cr and cr[world.agent_south.pk] == Ratio(2, 10)
    # a staff member contracting no area has no base: no row, so the sheet shows "—" with the reason
    assert world.followup.pk not in cr
    ans = queries.counts(Kpi.ANSWERED_24H, Dim.STAFF, scope())
    assert ans[agent] == Ratio(27, 34)
    assert ans[senior] == Ratio(3, 16)
    assert queries.counts(Kpi.CSAT, Dim.STAFF, scope())[agent] == Ratio(6, 8)
    assert queries.counts(Kpi.FOLLOWUP, Dim.STAFF, scope())[world.followup.pk] == Ratio(9, 10)
    assert queries.counts(Kpi.RETENTION, Dim.STAFF, scope())[agent] == Ratio(90, 100)

    north, south = world.north.pk, world.south.pk
    bcr = queries.counts(Kpi.COMPLAINT_RATE, Dim.BRANCH, scope())
    assert bcr[north] == Ratio(7, 115)
    assert bcr[south] == Ratio(2, 10)
    assert queries.counts(Kpi.ANSWERED_24H, Dim.BRANCH, scope())[north] == Ratio(30, 50)
    assert queries.company_counts(Kpi.COMPLAINT_RATE, scope()) == Ratio(9, 125)
    # roll-up: areas → branch → company add numerators and denominators (a ratio of sums)
    acr = queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope())
    assert acr[world.area_n1.pk].num + acr[world.area_n2.pk].num == bcr[north].num
    assert acr[world.area_n1.pk].den + acr[world.area_n2.pk].den == bcr[north].den
    # outlets: orders by the outlet that received them, customers by the outlet serving their area
    outlet = known.outlet.pk
    assert queries.counts(Kpi.ANSWERED_24H, Dim.OUTLET, scope())[outlet] == Ratio(10, 10)
    assert queries.counts(Kpi.CSAT, Dim.OUTLET, scope())[outlet] == Ratio(6, 8)
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.OUTLET, scope())[outlet] == Ratio(6, 95)
    assert queries.counts(Kpi.RETENTION, Dim.OUTLET, scope())[outlet] == Ratio(90, 100)
    # a supervisor's scope: only their branch
    assert set(queries.counts(Kpi.ANSWERED_24H, Dim.AREA, scope((south,)))) == {world.area_s1.pk}
    assert queries.company_counts(Kpi.COMPLAINT_RATE, scope((south,))) == Ratio(2, 10)


def test_february_and_april_are_separate(world, known) -> None:  # type: ignore[no-untyped-def]
    feb = queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, queries.Scope(Period(2026, 2), None, data.TZ))
    apr = queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, queries.Scope(Period(2026, 4), None, data.TZ))
    assert feb[world.area_n1.pk].num == 1
    assert apr[world.area_n1.pk].num == 1
    year = queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, queries.Scope(Period(2026), None, data.TZ))
    assert year[world.area_n1.pk].num == 8  # the merged duplicate never counts


def test_reuses_followup_and_survey_formulas(world, known) -> None:  # type: ignore[no-untyped-def]
    start, end = MARCH.bounds(data.TZ)
    cov = stats.period_counts(start, end, branch_id=world.north.pk)
    mine = queries.counts(Kpi.FOLLOWUP, Dim.BRANCH, scope())[world.north.pk]
    assert (mine.num, mine.den) == (cov.followed_up, cov.due)
    with timezone.override("Asia/Shanghai"):
        s = survey_reports.scores(
            survey_reports.Filters(
                area_id=world.area_n1.pk, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
            )
        )
    csat = kpis.value(Kpi.CSAT, queries.counts(Kpi.CSAT, Dim.AREA, scope())[world.area_n1.pk])
    nps = kpis.value(Kpi.NPS, queries.counts(Kpi.NPS, Dim.AREA, scope())[world.area_n1.pk])
    assert csat is not None and nps is not None
    assert s.csat == float(csat)
    assert s.nps == float(nps)


@pytest.mark.parametrize("dim", list(Dim))
def test_drilldown_lists_exactly_the_counted_rows(world, known, dim: Dim) -> None:  # type: ignore[no-untyped-def]
    key = {
        Dim.AREA: world.area_n1.pk,
        Dim.STAFF: world.agent.pk,
        Dim.BRANCH: world.north.pk,
        Dim.OUTLET: known.outlet.pk,
    }[dim]
    for k in kpis.ALL_KPIS:
        r = queries.counts(k, dim, scope()).get(key, Ratio(0, 0))
        num = queries.drill_rows(k, dim, key, scope(), "num")
        assert num.count() == r.num, (k, dim)
        assert len({x.pk for x in num}) == r.num
        assert queries.drill_rows(k, dim, key, scope(), "den").count() == r.den, (k, dim)


def test_drilldown_orders_are_the_known_ones(world, known) -> None:  # type: ignore[no-untyped-def]
    rows = queries.drill_rows(Kpi.ANSWERED_24H, Dim.AREA, world.area_n1.pk, scope(), "num")
    assert {o.number for o in rows} == {o.number for o in known.n1_answered}
    rows = queries.drill_rows(Kpi.COMPLAINT_RATE, Dim.AREA, world.area_n1.pk, scope(), "num")
    assert {o.number for o in rows} == {o.number for o in known.n1_complaints}


def test_targets_scores_and_ranks(world, known) -> None:  # type: ignore[no-untyped-def]
    KpiTarget.objects.create(
        kpi="answered_24h", scope="company", year=2026, target=Decimal(80), direction="higher"
    )
    KpiTarget.objects.create(
        kpi="complaint_rate", scope="company", year=2026, target=Decimal(50), direction="lower"
    )
    # a monthly target for the area beats the yearly company-wide one
    KpiTarget.objects.create(
        kpi="on_time",
        scope="area",
        area=world.area_n1,
        year=2026,
        month=3,
        target=Decimal(80),
        direction="higher",
    )
    KpiTarget.objects.create(
        kpi="on_time", scope="company", year=2026, target=Decimal(95), direction="higher"
    )
    sheet = sheets.sheet(Dim.AREA, scope())
    row = next(r for r in sheet.rows if r.entity.key == world.area_n1.pk)
    assert row.cells[Kpi.ANSWERED_24H].points == Decimal("14.06")  # 15 × 75 ÷ 80
    assert row.cells[Kpi.COMPLAINT_RATE].points == Decimal("15.83")  # 20 × 50 ÷ (6000 ÷ 95)
    assert row.cells[Kpi.ON_TIME].target == Decimal(80)
    assert row.cells[Kpi.ON_TIME].points == Decimal(15)  # met
    assert row.cells[Kpi.CSAT].points is None  # no target: left out
    assert row.total.possible == 50
    assert row.total.points == Decimal("44.89")
    assert row.total.percent == Decimal("89.8")
    n2 = next(r for r in sheet.rows if r.entity.key == world.area_n2.pk)
    # n2: answered 0 % → 0 points; complaint rate 50 ‰ ≤ 50 → 20; no on-time clocks → left out
    assert n2.cells[Kpi.ANSWERED_24H].points == Decimal(0)
    assert n2.total.possible == 35
    assert (row.rank, n2.rank, row.rank_of) == (1, 2, 2)
    s1 = next(r for r in sheet.rows if r.entity.key == world.area_s1.pk)
    assert (s1.rank, s1.rank_of) == (1, 1)  # ranked within its own branch
    spread = sheet.spreads[Kpi.ANSWERED_24H]
    assert (spread.best, spread.worst, spread.gap) == (Decimal(75), Decimal(0), Decimal(75))


def test_query_count_is_flat(world, known) -> None:  # type: ignore[no-untyped-def]
    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            sheets.sheet(Dim.AREA, scope())
            sheets.sheet(Dim.STAFF, scope())
        return len(ctx.captured_queries)

    before = run()
    more = data.customers(world, world.area_n2, 30, dt.date(2025, 1, 1), "X")
    data.subs(more, dt.date(2025, 1, 1), dt.date(2026, 3, 2))
    from kefu.workorders.models import WorkOrder

    WorkOrder.objects.bulk_create(
        [data.order(c, world.agent_senior, data.at(2026, 3, 5), order_type="complaint") for c in more]
    )
    assert run() == before
    # the 30 new customers' subscriptions ended on 2 March: complaints count, the base does not grow
    assert queries.counts(Kpi.COMPLAINT_RATE, Dim.AREA, scope())[world.area_n2.pk] == Ratio(31, 20)


def test_complaint_causes_pareto(world, known) -> None:  # type: ignore[no-untyped-def]
    from kefu.complaints.models import ComplaintCause

    counts = queries.complaint_causes(scope((world.north.pk,)))
    by_code = dict(ComplaintCause.objects.values_list("pk", "code"))
    named = {(by_code[k] if k else "-"): n for k, n in counts.items()}
    assert named == {"attitude": 3, "billing-error": 1, "quality": 1, "-": 2}  # n2's complaint too
    assert kpis.pareto(named) == [
        ("attitude", 3, Decimal(300) / 7),
        ("-", 2, Decimal(500) / 7),
        ("billing-error", 1, Decimal(600) / 7),
        ("quality", 1, Decimal(100)),
    ]


@pytest.mark.parametrize("dim", list(Dim))
def test_counts_many_equals_one_query_per_kpi(world, known, dim: Dim) -> None:  # type: ignore[no-untyped-def]
    many = queries.counts_many(kpis.ALL_KPIS, dim, scope())
    for k in kpis.ALL_KPIS:
        single = queries.counts(k, dim, scope())
        assert {key: r for key, r in many[k].items() if r.den or r.num} == {
            key: r for key, r in single.items() if r.den or r.num
        }, k

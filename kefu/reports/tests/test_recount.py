# ruff: noqa: S608 - the recount is plain SQL built from fixed fragments, values as parameters
"""The independent recount (R-31, R-32): a generated, varied month is counted again with plain SQL written
from the KPI catalogue (docs/kpis.md) — not with ``kefu.reports.queries`` — and every cell of every sheet
(company, branch, area, outlet, staff) is compared: counted live, read from a snapshot and read from a
closed month. Runs on SQLite and PostgreSQL (whichever ``DATABASE_URL`` names).

The month: three branches, five service areas (one shared by two contractors, one served by no outlet,
one without any contractor), four outlets, customers that stay, churn, arrive, renew or were merged,
orders of every kind received inside and around March (some merged, some at an outlet, some on its
line), resolution clocks of several rounds (reopened orders) met, late, unreachable, cancelled or
running, follow-up tasks in every state, and satisfaction answers from every source.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from kefu.commitments.models import BusinessCalendar, OrderClock
from kefu.customers.models import Customer, Subscription
from kefu.followup.models import FollowupTask
from kefu.organization.models import Branch, Outlet, ServiceArea, Staff
from kefu.reports import closing, kpis, queries, sheets
from kefu.reports.kpis import Dim, Kpi, Period, Ratio
from kefu.reports.tests import data
from kefu.surveys.models import SatisfactionRecord
from kefu.testing.factories import make_staff
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

MARCH = Period(2026, 3)
TZ = data.TZ
START = dt.datetime(2026, 3, 1, tzinfo=TZ)
END = dt.datetime(2026, 4, 1, tzinfo=TZ)
FIRST, LAST = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
SCALE = {Kpi.COMPLAINT_RATE: 1000}  # every other KPI: per cent (NPS: points of a per-cent difference)
PLACES = 1  # docs/kpis.md: one decimal for ‰, % and NPS points, half up


# --- the generated month ------------------------------------------------------------------------------


@dataclass
class Month:
    branches: list[Branch]
    areas: list[ServiceArea]
    outlets: list[Outlet]
    staff: list[Staff]


def generate(world: Any, seed: int = 18) -> Month:
    rng = random.Random(seed)
    east = Branch.objects.create(code="east", name="城东分公司", time_zone="Asia/Shanghai")
    e1 = ServiceArea.objects.create(branch=east, code="e1", name="东湖片区", households=900)
    e2 = ServiceArea.objects.create(branch=east, code="e2", name="东郊片区", households=700)  # no contractor
    agent_east = make_staff("recount_east", "agent", east, name="孙客服")
    tech_east = make_staff("recount_tech", "technician", east, name="周师傅")
    branches = [world.north, world.south, east]
    areas = [world.area_n1, world.area_n2, world.area_s1, e1, e2]
    outlets = [
        Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号"),
        Outlet.objects.create(branch=world.north, name="安定门营业厅", address="安定门2号"),
        Outlet.objects.create(branch=world.south, name="南站营业厅", address="南站3号"),
        Outlet.objects.create(branch=east, name="东湖营业厅", address="东湖4号"),
    ]
    serving = {world.area_n1: outlets[0], world.area_s1: outlets[2], e1: outlets[3], e2: outlets[3]}
    for a, out in serving.items():  # area n2 is served by no outlet
        a.outlet = out
        a.save(update_fields=["outlet"])
    world.area_n1.responsible.set([world.agent, world.agent_senior])  # a shared contract
    world.area_n2.responsible.set([world.agent_senior])
    world.area_s1.responsible.set([world.agent_south])
    e1.responsible.set([agent_east])
    staff_of = {
        world.north.pk: [world.agent, world.agent_senior, world.technician, world.supervisor],
        world.south.pk: [world.agent_south, world.supervisor_south],
        east.pk: [agent_east, tech_east],
    }
    outlets_of = {b.pk: [o for o in outlets if o.branch_id == b.pk] for b in branches}

    customers: list[Customer] = []
    for a in areas:
        for n in range(rng.randint(9, 16)):
            since = rng.choice(
                [dt.date(2024, 6, 1), dt.date(2025, 9, 1), dt.date(2026, 3, rng.randint(1, 31))]
            )
            (c,) = data.customers(world, a, 1, since, "R")
            customers.append(c)
            case = rng.choice(["steady", "steady", "churn", "renew", "late_start", "none", "new"])
            if case == "steady":
                data.subs([c], since, None)
            elif case == "churn":
                data.subs([c], since, dt.date(2026, 3, rng.randint(1, 30)))
            elif case == "renew":
                expiry = dt.date(2026, 3, rng.randint(1, 31))
                (old,) = data.subs([c], since, expiry)
                if n % 2:
                    Subscription.objects.create(
                        customer=c,
                        product=old.product,
                        start_date=expiry + dt.timedelta(days=1),
                        expiry_date=dt.date(2027, 3, 1),
                        renewed_from=old,
                        created_at=data.at(2026, 3, 1),
                    )
            elif case == "late_start":
                data.subs([c], dt.date(2026, 3, rng.randint(2, 31)), None)
            elif case == "new":
                c.customer_since = dt.date(2026, 3, rng.randint(1, 31))
                c.save(update_fields=["customer_since"])
                data.subs([c], c.customer_since, None)
    # customers of a branch without an area, and merged customers (never counted)
    for b in branches:
        (c,) = data.customers(world, areas[0], 1, dt.date(2025, 1, 1), "N")
        c.branch_id, c.area = b.pk, None
        c.save(update_fields=["branch", "area"])
        data.subs([c], dt.date(2025, 1, 1), None)
        customers.append(c)
    for c in rng.sample(customers, 4):
        survivor = next(x for x in customers if x.pk != c.pk and x.branch_id == c.branch_id)
        c.merged_into = survivor
        c.save(update_fields=["merged_into"])

    cal = BusinessCalendar.objects.order_by("pk").first()
    assert cal is not None
    live_customers = [c for c in customers if c.merged_into_id is None]
    orders: list[WorkOrder] = []
    for _ in range(170):
        c = rng.choice(live_customers)
        day = rng.randint(-3, 33)  # a few days of February and April around March
        received = dt.datetime(2026, 3, 1, rng.randint(0, 23), rng.choice([0, 15, 30, 59]), tzinfo=TZ) + (
            dt.timedelta(days=day)
        )
        fr = rng.choice([None, 1, 5, 23, 24, 25, 70])
        o = data.order(
            c,
            rng.choice(staff_of[c.branch_id]),
            received,
            order_type=rng.choice(["complaint", "fault_general", "inquiry", "complaint", "fault_general"]),
            first_response=received + dt.timedelta(hours=fr) if fr is not None else None,
        )
        o.channel = rng.choice(["counter", "phone", "phone", "email", "portal"])
        if o.channel in ("counter", "phone") and rng.random() < 0.7:
            o.outlet = rng.choice(outlets_of[c.branch_id])
        if rng.random() < 0.1:  # the order's area differs from the customer's (corrected on the order)
            o.area = rng.choice([a for a in areas if a.branch_id == c.branch_id] + [None])
        o.status = "resolved"
        orders.append(o)
    orders = WorkOrder.objects.bulk_create(orders)
    for o in rng.sample(orders, 8):  # merged duplicates
        target = next((x for x in orders if x.pk != o.pk and x.branch_id == o.branch_id), None)
        if target is not None and target.merged_into_id is None:
            o.merged_into = target
            o.save(update_fields=["merged_into"])

    clocks: list[OrderClock] = []
    for o in orders:
        rounds = rng.choice([0, 1, 1, 1, 2, 3])  # 2–3: the order was reopened
        for r in range(1, rounds + 1):
            status = rng.choice(["met", "met", "late", "met_unreachable", "cancelled", "running"])
            if r < rounds and status == "running":
                status = "late"
            stopped = None if status == "running" else o.received_at + dt.timedelta(hours=rng.randint(1, 200))
            clocks.append(data.clock(o, status, stopped, cal, rnd=r))
    OrderClock.objects.bulk_create(clocks)

    tasks: list[FollowupTask] = []
    for o in rng.sample(orders, 90):
        due = o.received_at + dt.timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 20))
        status = rng.choice(["done", "done", "unreachable", "open", "cancelled"])
        finished = due - dt.timedelta(hours=2) if status in ("done", "unreachable") else None
        tasks.append(
            FollowupTask(
                key=f"order:{o.pk}:1",
                kind="order",
                workorder=o,
                customer_id=o.customer_id,
                branch_id=o.branch_id,
                assignee=rng.choice([world.followup, None, *staff_of[o.branch_id][:1]]),
                status=status,
                created_at=due - dt.timedelta(days=3),
                resolved_at=due - dt.timedelta(days=3),
                due_at=due,
                finished_at=finished,
            )
        )
    FollowupTask.objects.bulk_create(tasks)

    records: list[SatisfactionRecord] = []
    sources = ["followup", "survey_portal", "survey_sms", "survey_email", "counter"]
    for n, o in enumerate(rng.sample(orders, 110)):
        source = rng.choice(sources)
        csat = rng.choice([None, 1, 2, 3, 4, 5, 5])
        sat4 = rng.choice(["", "very_satisfied", "satisfied", "basically_satisfied", "dissatisfied"])
        nps = rng.choice([None, None, 0, 6, 7, 8, 9, 10]) if source.startswith("survey") else None
        if csat is None and not sat4 and nps is None:
            csat = 4
        records.append(
            SatisfactionRecord(
                key=f"recount:{n}",
                source=source,
                recorded_at=o.received_at + dt.timedelta(days=rng.randint(0, 6)),
                workorder=o,
                customer_id=o.customer_id,
                branch_id=o.branch_id,
                area_id=o.area_id,
                outlet_id=o.outlet_id
                or (rng.choice(outlets_of[o.branch_id]).pk if source == "counter" else None),
                staff_id=o.owner_id if rng.random() < 0.9 else None,
                csat=csat,
                sat4=sat4,
                nps=nps,
            )
        )
    SatisfactionRecord.objects.bulk_create(records)
    staff = list(Staff.objects.filter(branch__isnull=False))
    return Month(branches, areas, outlets, staff)


# --- the recount: plain SQL from the catalogue ---------------------------------------------------------


def _t(v: Any) -> Any:
    """A parameter as the database stores it (aware datetimes in UTC on SQLite)."""
    if isinstance(v, dt.datetime):
        return connection.ops.adapt_datetimefield_value(v)
    if isinstance(v, dt.date):
        return connection.ops.adapt_datefield_value(v)
    return v


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if sql.endswith(" GROUP BY 0"):  # the company: one row over everything
        sql = sql[: -len(" GROUP BY 0")]
    with connection.cursor() as cur:
        cur.execute(sql, [_t(p) for p in params])
        return list(cur.fetchall())


def _active(alias: str, day_param: str = "%s") -> str:
    """A customer with a subscription running on a day: started on or before it, not expired before it."""
    return (
        f"EXISTS (SELECT 1 FROM customers_subscription s WHERE s.customer_id = {alias}.id "
        f"AND s.start_date <= {day_param} AND (s.expiry_date IS NULL OR s.expiry_date >= {day_param}))"
    )


def _within_24h() -> str:
    if connection.vendor == "postgresql":
        return "o.first_response_at <= o.received_at + INTERVAL '24 hours'"
    return "o.first_response_at <= datetime(o.received_at, '+24 hours')"


# how a counted row reaches the key of each dimension: (join, key expression)
def _order_key(dim: Dim | None) -> tuple[str, str]:
    return {
        Dim.BRANCH: ("", "o.branch_id"),
        Dim.AREA: ("", "o.area_id"),
        Dim.OUTLET: ("", "o.outlet_id"),
        Dim.STAFF: ("", "o.owner_id"),
        None: ("", "0"),
    }[dim]  # type: ignore[index]


def _population_key(alias: str, dim: Dim | None) -> tuple[str, str]:
    """Customers (and complaints) count for their area's branch/area, the outlet serving the area and every
    staff member contracting the area."""
    if dim is Dim.BRANCH:
        return "", f"{alias}.branch_id"
    if dim is Dim.AREA:
        return "", f"{alias}.area_id"
    if dim is Dim.OUTLET:
        return f"JOIN organization_servicearea pa ON pa.id = {alias}.area_id", "pa.outlet_id"
    if dim is Dim.STAFF:
        return (
            f"JOIN organization_servicearea_responsible pr ON pr.servicearea_id = {alias}.area_id",
            "pr.staff_id",
        )
    return "", "0"


def _grouped(sql: str, params: list[Any]) -> dict[Any, Ratio]:
    return {k: Ratio(int(n or 0), int(d or 0), int(e or 0)) for k, n, d, e in _rows(sql, params)}


def recount(kpi: Kpi, dim: Dim | None) -> dict[Any, Ratio]:
    """The KPI's counts per key of ``dim`` (None: the company, key 0), from the catalogue's words."""
    period = "o.received_at >= %s AND o.received_at < %s AND o.merged_into_id IS NULL"
    if kpi is Kpi.COMPLAINT_RATE:
        join, key = _population_key("o", dim)
        num = _rows(
            f"SELECT {key}, COUNT(*) FROM workorders_workorder o {join} "
            f"WHERE {period} AND o.order_type = 'complaint' AND {key} IS NOT NULL GROUP BY {key}",
            [START, END],
        )
        cjoin, ckey = _population_key("c", dim)
        den = _rows(
            f"SELECT {ckey}, COUNT(*) FROM customers_customer c {cjoin} "
            f"WHERE c.merged_into_id IS NULL AND {_active('c')} AND {ckey} IS NOT NULL GROUP BY {ckey}",
            [LAST, LAST],
        )
        out: dict[Any, Ratio] = {}
        for k, n in num:
            out[k] = Ratio(int(n), 0)
        for k, d in den:
            out[k] = Ratio(out.get(k, Ratio(0, 0)).num, int(d))
        return out
    if kpi is Kpi.ANSWERED_24H:
        join, key = _order_key(dim)
        return _grouped(
            f"SELECT {key}, SUM(CASE WHEN o.first_response_at IS NOT NULL AND {_within_24h()} THEN 1 ELSE 0 END), "
            f"COUNT(*), 0 FROM workorders_workorder o {join} WHERE {period} AND {key} IS NOT NULL GROUP BY {key}",
            [START, END],
        )
    if kpi is Kpi.ON_TIME:
        join, key = _order_key(dim)
        return _grouped(
            f"SELECT {key}, SUM(CASE WHEN k.status IN ('met', 'met_unreachable') THEN 1 ELSE 0 END), COUNT(*), 0 "
            f"FROM commitments_orderclock k JOIN workorders_workorder o ON o.id = k.workorder_id {join} "
            "WHERE k.kind = 'resolution' AND k.stopped_at >= %s AND k.stopped_at < %s "
            f"AND k.status IN ('met', 'met_unreachable', 'late') AND o.merged_into_id IS NULL "
            f"AND {key} IS NOT NULL GROUP BY {key}",
            [START, END],
        )
    if kpi is Kpi.FOLLOWUP:
        key = {
            Dim.BRANCH: "t.branch_id",
            Dim.AREA: "c.area_id",
            Dim.OUTLET: "o.outlet_id",
            Dim.STAFF: "t.assignee_id",
            None: "0",
        }[dim]  # type: ignore[index]
        return _grouped(
            f"SELECT {key}, SUM(CASE WHEN t.status IN ('done', 'unreachable') AND t.finished_at IS NOT NULL "
            "THEN 1 ELSE 0 END), COUNT(*), 0 FROM followup_followuptask t "
            "JOIN customers_customer c ON c.id = t.customer_id "
            "LEFT JOIN workorders_workorder o ON o.id = t.workorder_id "
            f"WHERE t.due_at >= %s AND t.due_at < %s AND t.status <> 'cancelled' AND {key} IS NOT NULL "
            f"GROUP BY {key}",
            [START, END],
        )
    if kpi in (Kpi.CSAT, Kpi.NPS):
        key = {
            Dim.BRANCH: "r.branch_id",
            Dim.AREA: "r.area_id",
            Dim.OUTLET: "r.outlet_id",
            Dim.STAFF: "r.staff_id",
        }.get(
            dim,  # type: ignore[arg-type]
            "0",
        )
        if kpi is Kpi.CSAT:
            sel, has = "SUM(CASE WHEN r.csat >= 4 THEN 1 ELSE 0 END), COUNT(*), 0", "r.csat IS NOT NULL"
        else:
            sel = "SUM(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END), COUNT(*), SUM(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END)"
            has = "r.nps IS NOT NULL"
        return _grouped(
            f"SELECT {key}, {sel} FROM surveys_satisfactionrecord r "
            f"WHERE r.recorded_at >= %s AND r.recorded_at < %s AND {has} AND {key} IS NOT NULL GROUP BY {key}",
            [START, END],
        )
    if kpi in (Kpi.RETENTION, Kpi.GROWTH):
        join, key = _population_key("c", dim)
        start_active = _active("c", "%s")
        if kpi is Kpi.RETENTION:
            return _grouped(
                f"SELECT {key}, SUM(CASE WHEN {_active('c', '%s')} THEN 1 ELSE 0 END), COUNT(*), 0 "
                f"FROM customers_customer c {join} WHERE c.merged_into_id IS NULL AND {start_active} "
                f"AND {key} IS NOT NULL GROUP BY {key}",
                [LAST, LAST, FIRST, FIRST],
            )
        rows = _grouped(
            f"SELECT {key}, SUM(CASE WHEN c.customer_since >= %s AND c.customer_since <= %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {start_active} THEN 1 ELSE 0 END), 0 FROM customers_customer c {join} "
            f"WHERE c.merged_into_id IS NULL AND {key} IS NOT NULL GROUP BY {key}",
            [FIRST, LAST, FIRST, FIRST],
        )
        return {k: r for k, r in rows.items() if r.num or r.den}
    if kpi is Kpi.RENEWAL:
        join, key = _population_key("c", dim)
        return _grouped(
            f"SELECT {key}, SUM(CASE WHEN EXISTS (SELECT 1 FROM customers_subscription n "
            "WHERE n.renewed_from_id = s.id) THEN 1 ELSE 0 END), COUNT(*), 0 "
            f"FROM customers_subscription s JOIN customers_customer c ON c.id = s.customer_id {join} "
            "WHERE c.merged_into_id IS NULL AND s.expiry_date >= %s AND s.expiry_date <= %s "
            f"AND {key} IS NOT NULL GROUP BY {key}",
            [FIRST, LAST],
        )
    raise AssertionError(kpi)


def shown(kpi: Kpi, r: Ratio) -> Decimal | None:
    """The catalogue's value and rounding, worked out again: scale × (num − extra) ÷ den, one decimal."""
    if r.den == 0:
        return None
    scale = SCALE.get(kpi, 100)
    v = Decimal(scale * (r.num - r.extra)) / Decimal(r.den)
    return v.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_HALF_UP)


# --- the comparison -----------------------------------------------------------------------------------


def compare(scope: queries.Scope, expected: dict[tuple[Dim | None, Kpi], dict[Any, Ratio]]) -> int:
    """Every cell of every sheet equals the recount (counts and the value shown); returns the cells seen."""
    cells = 0
    for dim in Dim:
        sheet = sheets.sheet(dim, scope)
        assert sheet.rows, dim
        for row in sheet.rows:
            for k in kpis.ALL_KPIS:
                want = expected[(dim, k)].get(row.entity.key, Ratio(0, 0))
                cell = row.cells[k]
                got = Ratio(cell.ratio.num, cell.ratio.den, cell.ratio.extra if k is Kpi.NPS else 0)
                assert got == want, (dim.value, row.entity.name, k.value)
                assert cell.shown == shown(k, want), (dim.value, row.entity.name, k.value)
                assert (cell.value is None) == (want.den == 0) and (cell.empty_reason != "") == (
                    want.den == 0
                )
                cells += 1
    company = sheets.company(scope)
    for k in kpis.ALL_KPIS:
        want = expected[(None, k)].get(0, Ratio(0, 0))
        got = company[k].ratio
        assert (got.num, got.den, got.extra if k is Kpi.NPS else 0) == (want.num, want.den, want.extra), k
        assert company[k].shown == shown(k, want), k
        cells += 1
    return cells


def everything() -> dict[tuple[Dim | None, Kpi], dict[Any, Ratio]]:
    return {(dim, k): recount(k, dim) for dim in (*Dim, None) for k in kpis.ALL_KPIS}


@pytest.fixture
def month(world: Any) -> Iterator[Month]:
    with timezone.override("Asia/Shanghai"):
        yield generate(world)


def test_the_month_is_varied(month: Month) -> None:
    """The generated month has what the recount must cover, so that a failure cannot hide in an empty set."""
    expected = everything()
    for dim in Dim:
        for k in kpis.ALL_KPIS:
            assert any(r.den for r in expected[(dim, k)].values()), (dim, k)
    company = {k: expected[(None, k)][0] for k in kpis.ALL_KPIS}
    assert company[Kpi.NPS].extra > 0 and company[Kpi.RENEWAL].num > 0 and company[Kpi.GROWTH].num > 0
    assert WorkOrder.objects.filter(merged_into__isnull=False, received_at__gte=START).exists()
    assert OrderClock.objects.filter(round__gte=2, stopped_at__gte=START, stopped_at__lt=END).exists()
    assert len(set(SatisfactionRecord.objects.values_list("source", flat=True))) == 5
    assert Customer.objects.filter(merged_into__isnull=False).count() == 4


def test_every_cell_live_snapshot_and_closed(month: Month) -> None:
    expected = everything()
    live = queries.Scope(MARCH, None, TZ, live=True)
    assert closing.closed(MARCH, TZ) is None
    n = compare(live, expected)
    assert n > 9 * 20

    with override_settings(KEFU_REPORT_REFRESH_MINUTES=10):
        snap = closing.close_period(MARCH, tz=TZ, provisional=True)
        assert snap.provisional and closing.closed(MARCH, TZ) == snap
        compare(queries.Scope(MARCH, None, TZ), expected)

    closed = closing.close_period(MARCH, tz=TZ)
    assert not closed.provisional and closing.closed(MARCH, TZ) == closed
    compare(queries.Scope(MARCH, None, TZ), expected)

    # the closed month is frozen: a complaint added afterwards changes the live recount, not the sheets
    c = Customer.objects.filter(merged_into__isnull=True, area=month.areas[0]).first()
    assert c is not None
    WorkOrder.objects.bulk_create(
        [data.order(c, month.staff[0], data.at(2026, 3, 15), order_type="complaint")]
    )
    later = everything()
    assert later[(None, Kpi.COMPLAINT_RATE)][0].num == expected[(None, Kpi.COMPLAINT_RATE)][0].num + 1
    compare(queries.Scope(MARCH, None, TZ), expected)
    compare(queries.Scope(MARCH, None, TZ, live=True), expected)  # "count now" never bypasses a close
    out = io.StringIO()
    call_command("recount_periods", stdout=out)  # the documented recount of every closed period
    assert out.getvalue().startswith("recounted 1 closed periods")
    compare(queries.Scope(MARCH, None, TZ), later)


def test_roll_up_company_is_the_ratio_of_the_branch_sums(month: Month) -> None:
    """The company figure is computed from the branch rows: Σ numerators ÷ Σ denominators (a weighted
    mean, never a mean of the branch rates), for every KPI."""
    expected = everything()
    for k in kpis.ALL_KPIS:
        branches = expected[(Dim.BRANCH, k)]
        total = Ratio(
            sum(r.num for r in branches.values()),
            sum(r.den for r in branches.values()),
            sum(r.extra for r in branches.values()),
        )
        assert total == expected[(None, k)].get(0, Ratio(0, 0)), k
        company = sheets.company(queries.Scope(MARCH, None, TZ, live=True))[k]
        assert company.shown == shown(k, total)

"""One aggregate query per KPI, grouped by service area, staff member or branch (R-31, R-32).

Each KPI is described by a :class:`Source`: the rows it counts (``rows``, already limited to the period and
the caller's branches), the condition of the numerator (``num``) and, where not every row is in the
denominator, the condition of the denominator (``den``). The report runs
``rows.values(<group>).annotate(num=Count(filter=num), den=Count(filter=den))`` — one ``GROUP BY`` query
per KPI whatever the number of orders — and the drill-down lists ``rows.filter(<group>=id, num|den)``, so
a figure and the list behind it come from the same definition. Formulas: ``kpis.py`` and docs/kpis.md.

Grouping (``GROUP_FIELDS``): orders count for their service area, their branch and their first-contact
owner (R-10 — the person answerable for the order); survey answers for the staff member the invitation
names; follow-up tasks for their assignee (as ``followup.stats``); customers and subscriptions for the
staff responsible for the customer's area (片区承包, R-30).

Indexes these queries use: orders by ``received_at`` (see docs/kpis.md, "Indexes"), clocks by
(kind, stopped_at) — ``reports`` cannot add indexes to other apps' tables, the needed ones are listed there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Model, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.commitments.models import OrderClock
from kefu.customers.models import Customer, Subscription
from kefu.followup.models import FollowupTask
from kefu.followup.stats import FINISHED
from kefu.organization.models import ServiceArea
from kefu.reports import closing
from kefu.reports.kpis import ANSWER_WITHIN, Dim, Kpi, Period, Ratio
from kefu.surveys.models import SatisfactionRecord
from kefu.workorders.models import WorkOrder

ENDED_CLOCK = (
    "met",
    "met_unreachable",
    "late",
)  # a resolution clock that stopped (cancelled ones do not count)
MET_CLOCK = ("met", "met_unreachable")  # unreachable with a written report counts as on time
COMPLAINT = "complaint"


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period and the branches the viewer may see (None: every branch); ``live``
    counts now instead of reading a provisional snapshot (a closed period is always read)."""

    period: Period
    branch_ids: tuple[int, ...] | None = None
    tz: dt.tzinfo | None = None
    live: bool = False

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return self.period.bounds(self.tz or timezone.get_current_timezone())


@dataclass
class Source:
    rows: QuerySet[Any]
    groups: dict[Dim, str]  # the field each dimension groups by
    branch_field: str
    num: Q
    den: Q | None = None
    extra: Q | None = None  # NPS: the detractors


def active_on(day: dt.date) -> Q:
    """The customer has a subscription running on ``day`` (started on or before, not expired before).

    An uncorrelated ``pk IN (SELECT customer_id …)``: PostgreSQL hashes the subquery once (a "hashed
    SubPlan"), where a correlated ``EXISTS`` inside ``FILTER``/``OR`` would probe the index per customer.
    """
    running = Subscription.objects.filter(start_date__lte=day).filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gte=day)
    )
    return Q(pk__in=running.values("customer_id"))


ORDER_GROUPS = {Dim.AREA: "area_id", Dim.BRANCH: "branch_id", Dim.STAFF: "owner_id", Dim.OUTLET: "outlet_id"}
CUSTOMER_GROUPS = {
    Dim.AREA: "area_id",
    Dim.BRANCH: "branch_id",
    Dim.STAFF: "area__responsible",
    Dim.OUTLET: "area__outlet_id",
}
# complaints count for the population their customer belongs to: the order's area, and through it the
# staff contracting it and the outlet serving it (the same path as the customers of the denominator)
COMPLAINT_GROUPS = {
    Dim.AREA: "area_id",
    Dim.BRANCH: "branch_id",
    Dim.STAFF: "area__responsible",
    Dim.OUTLET: "area__outlet_id",
}
ANSWER_GROUPS = {Dim.AREA: "area_id", Dim.BRANCH: "branch_id", Dim.STAFF: "staff_id", Dim.OUTLET: "outlet_id"}


# the reports of an incident (kefu.incidents) count once for the unit's times: as the incident's first report
COUNTED_ONCE = Q(incident_link__isnull=True) | Q(incident_link__lead=True)


def orders_received(scope: Scope) -> QuerySet[WorkOrder]:
    """Orders received in the period (merged duplicates do not count: the survivor does)."""
    start, end = scope.bounds()
    qs = WorkOrder.objects.filter(received_at__gte=start, received_at__lt=end, merged_into__isnull=True)
    if scope.branch_ids is not None:
        qs = qs.filter(branch_id__in=scope.branch_ids)
    return qs


def customers_base(scope: Scope) -> QuerySet[Customer]:
    """The denominator of the complaint rate: customers (not merged) with a subscription running on the
    period's last day — the same moment for every dimension (docs/kpis.md)."""
    qs = Customer.objects.filter(merged_into__isnull=True).filter(active_on(scope.period.last_day))
    if scope.branch_ids is not None:
        qs = qs.filter(branch_id__in=scope.branch_ids)
    return qs


def source(kpi: Kpi, scope: Scope) -> Source:
    start, end = scope.bounds()
    p = scope.period
    b = scope.branch_ids

    def scoped(qs: QuerySet[Any], field: str) -> QuerySet[Any]:
        return qs if b is None else qs.filter(**{f"{field}__in": b})

    rows: QuerySet[Any]

    if kpi is Kpi.COMPLAINT_RATE:
        return Source(orders_received(scope).filter(order_type=COMPLAINT), COMPLAINT_GROUPS, "branch_id", Q())
    if kpi is Kpi.ANSWERED_24H:
        within = Q(first_response_at__isnull=False, first_response_at__lte=F("received_at") + ANSWER_WITHIN)
        return Source(orders_received(scope).filter(COUNTED_ONCE), ORDER_GROUPS, "branch_id", within)
    if kpi is Kpi.ON_TIME:
        rows = OrderClock.objects.filter(
            kind="resolution",
            stopped_at__gte=start,
            stopped_at__lt=end,
            status__in=ENDED_CLOCK,
            workorder__merged_into__isnull=True,
        ).filter(Q(workorder__incident_link__isnull=True) | Q(workorder__incident_link__lead=True))
        groups = {d: f"workorder__{f}" for d, f in ORDER_GROUPS.items()}
        return Source(
            scoped(rows, "workorder__branch_id"), groups, "workorder__branch_id", Q(status__in=MET_CLOCK)
        )
    if kpi is Kpi.FOLLOWUP:
        # the definition of followup.stats.period_counts: due in the period, not cancelled; followed up =
        # finished with a result or unreachable after the attempts
        rows = FollowupTask.objects.filter(due_at__gte=start, due_at__lt=end).exclude(
            status=FollowupTask.Status.CANCELLED
        )
        groups = {
            Dim.AREA: "customer__area_id",
            Dim.BRANCH: "branch_id",
            Dim.STAFF: "assignee_id",
            Dim.OUTLET: "workorder__outlet_id",
        }
        return Source(
            scoped(rows, "branch_id"), groups, "branch_id", Q(status__in=FINISHED, finished_at__isnull=False)
        )
    if kpi in (Kpi.CSAT, Kpi.NPS):
        # one satisfaction record per answer, from every source (follow-up, survey, counter: kefu.surveys)
        rows = scoped(
            SatisfactionRecord.objects.filter(recorded_at__gte=start, recorded_at__lt=end), "branch_id"
        )
        if kpi is Kpi.CSAT:  # satisfied = 4 or 5 on the 1–5 scale
            return Source(rows.filter(csat__isnull=False), ANSWER_GROUPS, "branch_id", Q(csat__gte=4))
        return Source(  # promoters 9–10, detractors 0–6
            rows.filter(nps__isnull=False), ANSWER_GROUPS, "branch_id", Q(nps__gte=9), extra=Q(nps__lte=6)
        )
    if kpi is Kpi.RETENTION:
        rows = Customer.objects.filter(merged_into__isnull=True).filter(active_on(p.first_day))
        return Source(scoped(rows, "branch_id"), CUSTOMER_GROUPS, "branch_id", active_on(p.last_day))
    if kpi is Kpi.GROWTH:
        new = Q(customer_since__gte=p.first_day, customer_since__lte=p.last_day)
        start_active = active_on(p.first_day)
        rows = Customer.objects.filter(merged_into__isnull=True).filter(start_active | new)
        return Source(scoped(rows, "branch_id"), CUSTOMER_GROUPS, "branch_id", new, den=start_active)
    if kpi is Kpi.RENEWAL:
        rows = Subscription.objects.filter(
            expiry_date__gte=p.first_day, expiry_date__lte=p.last_day, customer__merged_into__isnull=True
        )
        renewed = Q(pk__in=Subscription.objects.filter(renewed_from__isnull=False).values("renewed_from_id"))
        groups = {d: f"customer__{f}" for d, f in CUSTOMER_GROUPS.items()}
        return Source(scoped(rows, "customer__branch_id"), groups, "customer__branch_id", renewed)
    raise ValueError(kpi)


def _count(src: Source) -> dict[str, Any]:
    agg: dict[str, Any] = {"num": Count("pk", filter=src.num) if src.num else Count("pk")}
    agg["den"] = Count("pk", filter=src.den) if src.den is not None else Count("pk")
    if src.extra is not None:
        agg["extra"] = Count("pk", filter=src.extra)
    return agg


def _ratio(row: dict[str, Any]) -> Ratio:
    return Ratio(int(row["num"] or 0), int(row["den"] or 0), int(row.get("extra") or 0))


# (row key, branch of the counted rows) → counts. The branch lets a closed period's figures, computed once for
# the whole company, be summed for a viewer limited to some branches exactly as the live query filters.
Pairs = dict[tuple[int | None, int | None], Ratio]


def _add(out: Pairs, key: int | None, branch: int | None, num: int = 0, den: int = 0, extra: int = 0) -> None:
    r = out.get((key, branch))
    out[(key, branch)] = (
        Ratio(num, den, extra) if r is None else Ratio(r.num + num, r.den + den, r.extra + extra)
    )


def _group_cols(field: str, branch_field: str) -> list[str]:
    return [field] if field == branch_field else [field, branch_field]


def fold(pairs: Pairs, *, keep_empty: bool = False) -> dict[Any, Ratio]:
    """Sum the branches of each row key; rows without a key are dropped (``keep_empty``: kept as None)."""
    out: dict[Any, Ratio] = {}
    for (key, _branch), r in pairs.items():
        if key is None and not keep_empty:
            continue
        t = out.get(key)
        out[key] = r if t is None else Ratio(t.num + r.num, t.den + r.den, t.extra + r.extra)
    return out


def total(pairs: Pairs) -> Ratio:
    """Everything in the pairs, rows without a key included (the company row, from the branch pairs)."""
    return Ratio(
        sum(r.num for r in pairs.values()),
        sum(r.den for r in pairs.values()),
        sum(r.extra for r in pairs.values()),
    )


def complaint_base(dim: Dim, scope: Scope) -> Pairs:
    """Denominator of the complaint rate: the customers active on the period's last day, per area, branch,
    outlet (of their area) or staff member (contracting their area)."""
    out: Pairs = {}
    field = CUSTOMER_GROUPS[dim]
    cols = _group_cols(field, "branch_id")
    for r in customers_base(scope).values(*cols).annotate(n=Count("pk")).order_by():
        _add(out, r[field], r["branch_id"], den=r["n"])
    return out


def live_pairs(kpi: Kpi, dim: Dim, scope: Scope) -> Pairs:
    """The KPI's counts per row key and branch, counted now (one query; two for the complaint rate)."""
    src = source(kpi, scope)
    field, bf = src.groups[dim], src.branch_field
    cols = _group_cols(field, bf)
    out: Pairs = {}
    if kpi is Kpi.COMPLAINT_RATE:
        for r in src.rows.values(*cols).annotate(n=Count("pk")).order_by():
            _add(out, r[field], r[bf], num=r["n"])
        for (k, b), base in complaint_base(dim, scope).items():
            _add(out, k, b, den=base.den)
        return out
    for r in src.rows.values(*cols).annotate(**_count(src)).order_by():
        out[(r[field], r[bf])] = _ratio(r)
    return out


def live_pairs_many(kpi_list: Iterable[Kpi], dim: Dim, scope: Scope) -> dict[Kpi, Pairs]:
    """:func:`live_pairs` of several KPIs; retention and growth share one query over the customers (the
    customers active on the first day are the denominator of both), complaints and answered-within-24-hours
    one over the orders."""
    kpi_list = list(kpi_list)
    out: dict[Kpi, Pairs] = {}
    if Kpi.RETENTION in kpi_list and Kpi.GROWTH in kpi_list:
        out[Kpi.RETENTION], out[Kpi.GROWTH] = customer_flow(dim, scope)
    if Kpi.COMPLAINT_RATE in kpi_list and Kpi.ANSWERED_24H in kpi_list and dim in (Dim.AREA, Dim.BRANCH):
        out[Kpi.COMPLAINT_RATE], out[Kpi.ANSWERED_24H] = order_flow(dim, scope)
    for k in kpi_list:
        if k not in out:
            out[k] = live_pairs(k, dim, scope)
    return out


def pairs_many(kpi_list: Iterable[Kpi], dim: Dim, scope: Scope) -> dict[Kpi, Pairs]:
    """The counts of a closed period from its frozen figures (:mod:`kefu.reports.closing`), of any other
    period counted now."""

    kpi_list = list(kpi_list)
    frozen = closing.figures(kpi_list, dim, scope)
    return frozen if frozen is not None else live_pairs_many(kpi_list, dim, scope)


def counts(kpi: Kpi, dim: Dim, scope: Scope) -> dict[int, Ratio]:
    """The KPI's counts per area / staff member / branch."""
    return fold(pairs_many([kpi], dim, scope)[kpi])


def counts_many(kpi_list: Iterable[Kpi], dim: Dim, scope: Scope) -> dict[Kpi, dict[int, Ratio]]:
    """:func:`counts` of several KPIs (see :func:`live_pairs_many` for the shared queries)."""
    return {k: fold(p) for k, p in pairs_many(kpi_list, dim, scope).items()}


def order_flow(dim: Dim, scope: Scope) -> tuple[Pairs, Pairs]:
    """Complaint rate and answered-within-24-hours in one pass over the orders received in the period
    (the same rows as their two ``Source`` definitions)."""
    complaints_src, answered_src = source(Kpi.COMPLAINT_RATE, scope), source(Kpi.ANSWERED_24H, scope)
    field = answered_src.groups[dim]
    assert complaints_src.groups[dim] == field and answered_src.branch_field == "branch_id"
    rows = (
        orders_received(scope)
        .values(*_group_cols(field, "branch_id"))
        .annotate(
            complaints=Count("pk", filter=Q(order_type=COMPLAINT)),
            within=Count("pk", filter=answered_src.num & COUNTED_ONCE),
            total=Count("pk", filter=COUNTED_ONCE),
        )
        .order_by()
    )
    rate: Pairs = {}
    answered: Pairs = {}
    for r in rows:
        key, branch = r[field], r["branch_id"]
        if r["complaints"]:
            _add(rate, key, branch, num=r["complaints"])
        if r["total"]:  # a group of only the later reports of incidents has no row (as the Source)
            answered[(key, branch)] = Ratio(r["within"], r["total"])
    for (k, b), base in complaint_base(dim, scope).items():
        _add(rate, k, b, den=base.den)
    return rate, answered


def customer_flow(dim: Dim, scope: Scope) -> tuple[Pairs, Pairs]:
    """Retention and growth in one grouped query: the same rows as the two ``Source`` definitions.

    One pass over the subscriptions computes, per customer, whether a subscription runs on the first
    and on the last day of the period (``active_on``); the customers are joined to that once. (Written
    with the ORM as three ``pk IN (subquery)`` filters, PostgreSQL evaluated the subscriptions three
    times per worker: 1.2 s at 200,000 customers, against about 0.2 s here.)"""

    p = scope.period
    customers = connection.ops.quote_name(Customer._meta.db_table)
    subscriptions = connection.ops.quote_name(Subscription._meta.db_table)
    group = {
        Dim.AREA: "c.area_id",
        Dim.BRANCH: "c.branch_id",
        Dim.STAFF: "r.staff_id",
        Dim.OUTLET: "a.outlet_id",
    }[dim]
    join = ""
    if dim is Dim.STAFF:
        through = ServiceArea.responsible.through._meta.db_table
        join = f"JOIN {connection.ops.quote_name(through)} r ON r.servicearea_id = c.area_id"
    if dim is Dim.OUTLET:
        join = f"LEFT JOIN {connection.ops.quote_name(ServiceArea._meta.db_table)} a ON a.id = c.area_id"
    branch_filter, branch_params = "", list[Any]()
    if scope.branch_ids is not None:
        if not scope.branch_ids:
            return {}, {}
        branch_filter = "AND c.branch_id IN (" + ", ".join(["%s"] * len(scope.branch_ids)) + ")"
        branch_params = list(scope.branch_ids)
    sql = f"""
        SELECT {group} AS k, c.branch_id AS b,
               COUNT(*) FILTER (WHERE s.at_start = 1) AS start,
               COUNT(*) FILTER (WHERE s.at_start = 1 AND s.at_end = 1) AS kept,
               COUNT(*) FILTER (WHERE c.customer_since >= %s AND c.customer_since <= %s) AS new
        FROM {customers} c
        LEFT JOIN (
            SELECT customer_id,
                   MAX(CASE WHEN start_date <= %s AND (expiry_date IS NULL OR expiry_date >= %s)
                       THEN 1 ELSE 0 END) AS at_start,
                   MAX(CASE WHEN start_date <= %s AND (expiry_date IS NULL OR expiry_date >= %s)
                       THEN 1 ELSE 0 END) AS at_end
            FROM {subscriptions}
            WHERE start_date <= %s AND (expiry_date IS NULL OR expiry_date >= %s)
            GROUP BY customer_id
        ) s ON s.customer_id = c.id
        {join}
        WHERE c.merged_into_id IS NULL
          AND (s.at_start = 1 OR (c.customer_since >= %s AND c.customer_since <= %s))
          {branch_filter}
        GROUP BY {group}, c.branch_id
    """  # noqa: S608 - table names from the models, values as parameters
    first, last = p.first_day, p.last_day
    params: list[Any] = [first, last, first, first, last, last, last, first, first, last, *branch_params]
    retention: Pairs = {}
    growth: Pairs = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for key, branch, start, kept, new in cur.fetchall():
            if start:
                retention[(key, branch)] = Ratio(kept, start)
            growth[(key, branch)] = Ratio(new, start)
    return retention, growth


def company_counts(kpi: Kpi, scope: Scope) -> Ratio:
    """The KPI over everything in scope (the company, or the viewer's branches): the sum of its branch
    counts, rows of no branch included."""
    return total(pairs_many([kpi], Dim.BRANCH, scope)[kpi])


def drill_rows(kpi: Kpi, dim: Dim, key: int, scope: Scope, part: str) -> QuerySet[Any]:
    """The rows behind one cell: ``part`` "num" (numerator) or "den" (denominator). For the complaint
    rate the denominator is the customers (branch, staff) — households of an area are not rows."""
    src = source(kpi, scope)
    if kpi is Kpi.COMPLAINT_RATE and part == "den":
        return customers_base(scope).filter(**{CUSTOMER_GROUPS[dim]: key}).distinct()
    qs = src.rows.filter(**{src.groups[dim]: key})
    if part == "num":
        qs = qs.filter(src.num)
    elif src.den is not None:
        qs = qs.filter(src.den)
    return qs.distinct() if src.groups[dim].endswith("responsible") else qs


def drill_model(kpi: Kpi, part: str) -> type[Model]:
    """The model of the rows :func:`drill_rows` returns."""
    return _MODELS.get((kpi, part)) or _MODELS[(kpi, "*")]


_MODELS: dict[tuple[Kpi, str], type[Model]] = {
    (Kpi.COMPLAINT_RATE, "num"): WorkOrder,
    (Kpi.COMPLAINT_RATE, "den"): Customer,
    (Kpi.ANSWERED_24H, "*"): WorkOrder,
    (Kpi.ON_TIME, "*"): OrderClock,
    (Kpi.FOLLOWUP, "*"): FollowupTask,
    (Kpi.CSAT, "*"): SatisfactionRecord,
    (Kpi.NPS, "*"): SatisfactionRecord,
    (Kpi.RETENTION, "*"): Customer,
    (Kpi.GROWTH, "*"): Customer,
    (Kpi.RENEWAL, "*"): Subscription,
}


# --- dashboard series -------------------------------------------------------------------------------


def monthly_trend(
    months: list[Period], branch_ids: Iterable[int] | None, live: bool = False
) -> list[dict[str, Any]]:
    """Orders received, complaints per 1,000 customers and the on-time rate per month: the closed months
    from their frozen branch figures (two queries), the others with 3 grouped queries over their span."""

    tz = timezone.get_current_timezone()
    b = tuple(branch_ids) if branch_ids is not None else None
    frozen = closing.monthly_figures(months, [Kpi.COMPLAINT_RATE, Kpi.ANSWERED_24H, Kpi.ON_TIME], b, tz, live)
    live_months = [m for m in months if m not in frozen]
    o: dict[tuple[int, int], Any] = {}
    c: dict[tuple[int, int], Any] = {}
    base_of: dict[tuple[int, int], int] = {}
    if live_months:
        first, last = live_months[0], live_months[-1]
        start = first.bounds(tz)[0]
        end = last.bounds(tz)[1]
        orders = WorkOrder.objects.filter(
            received_at__gte=start, received_at__lt=end, merged_into__isnull=True
        )
        clocks = OrderClock.objects.filter(
            kind="resolution",
            stopped_at__gte=start,
            stopped_at__lt=end,
            status__in=ENDED_CLOCK,
            workorder__merged_into__isnull=True,
        )
        customers = Customer.objects.filter(merged_into__isnull=True)
        if b is not None:
            orders = orders.filter(branch_id__in=b)
            clocks = clocks.filter(workorder__branch_id__in=b)
            customers = customers.filter(branch_id__in=b)
        o_rows = (
            orders.annotate(m=TruncMonth("received_at", tzinfo=tz))
            .values("m")
            .annotate(n=Count("pk"), c=Count("pk", filter=Q(order_type=COMPLAINT)))
            .order_by()
        )
        c_rows = (
            clocks.annotate(m=TruncMonth("stopped_at", tzinfo=tz))
            .values("m")
            .annotate(n=Count("pk"), met=Count("pk", filter=Q(status__in=MET_CLOCK)))
            .order_by()
        )
        # the complaint rate's denominator of each month: customers active on its last day (one query)
        active = customers.aggregate(
            **{f"m{i}": Count("pk", filter=active_on(m.last_day)) for i, m in enumerate(live_months)}
        )

        def key(m: Any) -> tuple[int, int]:
            return (m.year, m.month)

        o = {key(r["m"]): r for r in o_rows}
        c = {key(r["m"]): r for r in c_rows}
        base_of = {(m.year, m.month or 1): int(active[f"m{i}"] or 0) for i, m in enumerate(live_months)}
    out = []
    for mp in months:
        if mp in frozen:
            f = frozen[mp]
            rate, answered, on_time = (
                total(f[k]) for k in (Kpi.COMPLAINT_RATE, Kpi.ANSWERED_24H, Kpi.ON_TIME)
            )
            out.append(
                {
                    "period": mp,
                    "orders": answered.den,
                    "complaints": rate.num,
                    "customers": rate.den,
                    "complaint_rate": rate,
                    "on_time": on_time,
                }
            )
            continue
        k = (mp.year, mp.month or 1)
        base = base_of.get(k, 0)
        orow: Any = o.get(k, {})
        crow: Any = c.get(k, {})
        out.append(
            {
                "period": mp,
                "orders": orow.get("n", 0),
                "complaints": orow.get("c", 0),
                "customers": base,
                "complaint_rate": Ratio(orow.get("c", 0), base),
                "on_time": Ratio(crow.get("met", 0), crow.get("n", 0)),
            }
        )
    return out


def cause_pairs(scope: Scope) -> Pairs:
    """Complaints received in the period per (cause id, branch); cause None: not classified yet."""
    rows = (
        orders_received(scope)
        .filter(order_type=COMPLAINT)
        .values("branch_id", cause=F("complaint__cause_id"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["cause"], r["branch_id"]): Ratio(r["n"], 0) for r in rows}


def complaint_causes(scope: Scope) -> dict[int | None, int]:
    """Complaints received in the period per cause id (None: not classified yet). One query (two from the
    frozen figures of a closed period)."""

    frozen = closing.cause_figures(scope)
    pairs = frozen if frozen is not None else cause_pairs(scope)
    return {k: r.num for k, r in fold(pairs, keep_empty=True).items()}

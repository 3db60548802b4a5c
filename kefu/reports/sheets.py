"""KPI tables, assessment sheets and the branch comparison (R-31, R-32), built from ``queries``.

A sheet costs a fixed number of queries whatever the data: one per KPI (two for the complaint rate), one
for the rows' names and one for the targets of the year — or, for a closed period, one for its frozen
figures (``closing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from kefu.organization.models import Branch, Outlet, ServiceArea, Staff
from kefu.reports import kpis, queries
from kefu.reports.kpis import Dim, Direction, Kpi, Period, Ratio
from kefu.reports.models import KpiTarget

ASSESSED_ROLES = ("agent", "technician", "followup", "supervisor")


@dataclass(frozen=True)
class Entity:
    key: int
    name: str
    code: str
    branch_id: int | None
    branch_name: str


@dataclass
class Cell:
    kpi: Kpi
    ratio: Ratio
    value: Decimal | None
    target: Decimal | None
    direction: Direction
    points: Decimal | None
    dim: Dim | None = None  # the sheet's dimension (None: the company row)

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return kpis.meets(self.value, self.target, self.direction)

    @property
    def shown(self) -> Decimal | None:
        """The value rounded by the catalogue's rule for its unit (every page, export and the API)."""
        return kpis.shown(self.kpi, self.value)

    @property
    def text(self) -> str:
        return kpis.text(self.kpi, self.value)

    @property
    def empty_reason(self) -> str:
        """Why there is no value (English source text; the views translate it), "" when there is one."""
        return kpis.empty_reason(self.kpi, self.dim) if self.value is None else ""


@dataclass
class Row:
    entity: Entity
    cells: dict[Kpi, Cell]
    total: kpis.SheetTotal
    rank: int | None = None
    rank_of: int = 0


@dataclass
class Spread:
    kpi: Kpi
    best: Decimal | None
    worst: Decimal | None
    gap: Decimal | None


@dataclass
class Sheet:
    dim: Dim
    scope: queries.Scope
    rows: list[Row]
    company: dict[Kpi, Cell] = field(default_factory=dict)
    spreads: dict[Kpi, Spread] = field(default_factory=dict)


def entities(dim: Dim, scope: queries.Scope, only: int | None = None) -> list[Entity]:
    """The areas, staff members or branches the sheet has a row for (in the viewer's branches)."""
    b = scope.branch_ids
    if dim is Dim.BRANCH:
        qs = Branch.objects.order_by("code")
        if b is not None:
            qs = qs.filter(pk__in=b)
        if only is not None:
            qs = qs.filter(pk=only)
        return [Entity(x.pk, x.name, x.code, x.pk, x.name) for x in qs]
    if dim is Dim.OUTLET:
        outlets = Outlet.objects.select_related("branch").order_by("branch__code", "name", "pk")
        if b is not None:
            outlets = outlets.filter(branch_id__in=b)
        if only is not None:
            outlets = outlets.filter(pk=only)
        return [Entity(o.pk, o.name, str(o.pk), o.branch_id, o.branch.name) for o in outlets]
    if dim is Dim.AREA:
        areas = ServiceArea.objects.select_related("branch").order_by("branch__code", "code")
        if b is not None:
            areas = areas.filter(branch_id__in=b)
        if only is not None:
            areas = areas.filter(pk=only)
        return [Entity(a.pk, a.name, a.code, a.branch_id, a.branch.name) for a in areas]
    staff = Staff.objects.select_related("branch").filter(is_active=True, role__in=ASSESSED_ROLES)
    if b is not None:
        staff = staff.filter(branch_id__in=b)
    if only is not None:
        staff = Staff.objects.select_related("branch").filter(pk=only)
    return [
        Entity(s.pk, s.name, s.badge_no, s.branch_id, s.branch.name if s.branch else "")
        for s in staff.order_by("branch__code", "name", "pk")
    ]


class Targets:
    """The targets of a year, resolved for a row: the row itself, then (areas and staff) its branch, then
    the company; at each level a row for the month before a row for the whole year."""

    def __init__(self, period: Period) -> None:
        self.period = period
        qs = KpiTarget.objects.filter(year=period.year)
        qs = (
            qs.filter(month__isnull=True)
            if period.month is None
            else qs.filter(Q(month__isnull=True) | Q(month=period.month))
        )
        self.rows: dict[tuple[str, str, int | None, bool], KpiTarget] = {}
        for t in qs:
            key_id = {"branch": t.branch_id, "area": t.area_id, "staff": t.staff_id}.get(t.scope)
            self.rows[(t.kpi, t.scope, key_id, t.month is not None)] = t

    def find(self, kpi: Kpi, dim: Dim | None, e: Entity | None) -> KpiTarget | None:
        levels: list[tuple[str, int | None]] = []
        if e is not None and dim is not None:
            levels.append((dim.value, e.key))
            if dim is not Dim.BRANCH and e.branch_id is not None:
                levels.append(("branch", e.branch_id))
        levels.append(("company", None))
        for scope, key in levels:
            for monthly in (True, False):
                t = self.rows.get((kpi.value, scope, key, monthly))
                if t is not None:
                    return t
        return None


def make_cell(kpi: Kpi, ratio: Ratio, target: KpiTarget | None, dim: Dim | None = None) -> Cell:
    d = kpis.DEFS[kpi]
    v = kpis.value(kpi, ratio)
    direction = Direction(target.direction) if target else d.direction
    tv = target.target if target else None
    return Cell(kpi, ratio, v, tv, direction, kpis.score(v, tv, direction, d.weight), dim)


def sheet(
    dim: Dim, scope: queries.Scope, only: int | None = None, kpi_list: Iterable[Kpi] = kpis.ALL_KPIS
) -> Sheet:
    """One row per area / staff member / branch with every KPI, its target and points; ranks within the
    branch by total score (per cent of the points possible)."""
    kpi_list = tuple(kpi_list)
    ents = entities(dim, scope, only)
    counts = queries.counts_many(kpi_list, dim, scope)
    targets = Targets(scope.period)
    rows = []
    for e in ents:
        cells = {
            k: make_cell(k, counts[k].get(e.key, Ratio(0, 0)), targets.find(k, dim, e), dim) for k in kpi_list
        }
        rows.append(Row(e, cells, kpis.total((c.points, kpis.DEFS[k].weight) for k, c in cells.items())))
    by_branch: dict[int | None, list[Row]] = {}
    for r in rows:
        by_branch.setdefault(r.entity.branch_id, []).append(r)
    for group in by_branch.values():
        rk = kpis.ranks({r.entity.key: r.total.percent for r in group})
        for r in group:
            r.rank, r.rank_of = rk[r.entity.key], len(group)
    out = Sheet(dim, scope, rows)
    for k in kpi_list:
        best, worst, gap = kpis.spread(
            (r.cells[k].value for r in rows), rows[0].cells[k].direction if rows else kpis.DEFS[k].direction
        )
        out.spreads[k] = Spread(k, best, worst, gap)
    return out


def company(scope: queries.Scope, kpi_list: Iterable[Kpi] = kpis.ALL_KPIS) -> dict[Kpi, Cell]:
    """Each KPI over the whole scope, against the company-wide target."""
    kpi_list = tuple(kpi_list)
    targets = Targets(scope.period)
    by_branch = queries.pairs_many(kpi_list, Dim.BRANCH, scope)  # the branch sheet's queries; summed
    return {k: make_cell(k, queries.total(by_branch[k]), targets.find(k, None, None)) for k in kpi_list}

"""/api/v1/reports: the KPI sheets (R-31, R-32) for BI tools and dashboards outside Kefu — the same figures,
targets, points and ranks as the console's report pages, with the same branch scope (kefu.reports.access):
supervisors their branch, inspectors and administrators every branch; every staff member their own sheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from kefu.api.common import ERRORS, ApiRequest, QueryBool
from kefu.lib import clock
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import require_staff
from kefu.reports import access, closing, kpis, queries, sheets
from kefu.reports.kpis import Dim, Kpi, Period
from kefu.reports.models import KpiChoices

router = Router(tags=["reports"])
KPI_LABELS = dict(KpiChoices.choices)


class KpiDefOut(Schema):
    code: str
    label: str = Field(description="In the language of Accept-Language.")
    unit: str = Field(description="‰ (per 1,000), % or empty (NPS points).")
    direction: str = Field(description="higher or lower: which way is better.")
    weight: int = Field(description="Assessment points when the target is met.")
    places: int = Field(description="Decimals every surface rounds the value to (half up).")
    numerator: str = Field(description="Which rows the numerator counts (English).")
    denominator: str = Field(description="Which rows the denominator counts (English).")
    period: str = Field(
        description="Which date puts a row into a period: received, clock_stopped, due, answered or day."
    )
    scope: dict[str, str] = Field(description="Per dimension, which row a counted record counts for.")
    empty: str = Field(description="Why there is no value when the denominator is zero.")


class CellOut(Schema):
    value: Decimal | None = Field(
        description="Rounded by the unit's one rule (per cent, per mille, NPS points: one decimal, half up); "
        "empty when there was nothing to measure (denominator 0)."
    )
    reason: str = Field("", description="Why there is no value (the zero denominator), in English.")
    numerator: int
    denominator: int
    detractors: int | None = Field(None, description="NPS only: the detractors (numerator = promoters).")
    target: Decimal | None
    met: bool | None = Field(description="Empty without a value or a target.")
    points: Decimal | None = Field(description="Assessment points earned (empty without a target).")


class BranchRef(Schema):
    id: int | None
    name: str


class ScoreOut(Schema):
    points: Decimal
    possible: int = Field(description="Points of the KPIs that had a value and a target.")
    percent: Decimal | None


class RowOut(Schema):
    id: int
    code: str
    name: str
    branch: BranchRef
    kpis: dict[str, CellOut]
    score: ScoreOut
    rank: int | None = Field(description="Rank within the branch by score (areas and staff).")
    rank_of: int


class SpreadOut(Schema):
    best: Decimal | None
    worst: Decimal | None
    gap: Decimal | None


class SheetOut(Schema):
    period: str = Field(description="2026-03 (a month) or 2026 (a year).")
    dim: str = Field(description="area, staff, outlet or branch.")
    figures: str = Field(
        description="closed (frozen when the period was closed), snapshot (counted by the job every few "
        "minutes while the period is open) or live (counted for this request)."
    )
    counted_at: dt.datetime | None = Field(description="When closed or snapshot figures were counted.")
    rows: list[RowOut]
    company: dict[str, CellOut] = Field(description="The whole scope as one row (not for your own sheet).")
    spreads: dict[str, SpreadOut] = Field(
        description="Per KPI, the best and the worst row and the gap between them (R-32: how even the service is)."
    )


PERIOD_PATTERN = r"^((19|20|21)[0-9]{2}(-(0[1-9]|1[0-2]))?)?$"


class SheetParams(Schema):
    period: str = Field("", pattern=PERIOD_PATTERN, description="2026-03 or 2026; empty: the current month.")
    live: QueryBool = Field(False, description="Count now instead of reading the snapshot of an open period.")


def _period(text: str) -> Period:
    if not text:
        today = clock.localdate()
        return Period(today.year, today.month)
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            "invalid_period", _("Give the period as a month (2026-03) or a year (2026)."), "period"
        ) from None


def _cell(kpi: Kpi, c: sheets.Cell) -> dict[str, Any]:
    return {
        "value": c.shown,
        "reason": c.empty_reason,
        "numerator": c.ratio.num,
        "denominator": c.ratio.den,
        "detractors": c.ratio.extra if kpi is Kpi.NPS else None,
        "target": c.target,
        "met": c.met,
        "points": c.points,
    }


def _sheet_out(sheet: sheets.Sheet, scope: queries.Scope, company: dict[Kpi, sheets.Cell]) -> dict[str, Any]:
    cp = closing.closed(scope.period, scope.tz, scope.live)
    return {
        "period": str(scope.period),
        "dim": sheet.dim.value,
        "figures": "live" if cp is None else ("snapshot" if cp.provisional else "closed"),
        "counted_at": cp.closed_at if cp else None,
        "rows": [
            {
                "id": r.entity.key,
                "code": r.entity.code,
                "name": r.entity.name,
                "branch": {"id": r.entity.branch_id, "name": r.entity.branch_name},
                "kpis": {k.value: _cell(k, c) for k, c in r.cells.items()},
                "score": {"points": r.total.points, "possible": r.total.possible, "percent": r.total.percent},
                "rank": r.rank,
                "rank_of": r.rank_of,
            }
            for r in sheet.rows
        ],
        "company": {k.value: _cell(k, c) for k, c in company.items()},
        "spreads": {
            k.value: {
                "best": kpis.shown(k, s.best),
                "worst": kpis.shown(k, s.worst),
                "gap": kpis.shown(k, s.gap),
            }
            for k, s in sheet.spreads.items()
        },
    }


@router.get("/reports/kpis", response={200: list[KpiDefOut], **ERRORS}, summary="The KPIs and their weights")
def kpi_definitions(request: ApiRequest) -> list[dict[str, Any]]:
    """The KPI catalogue: the nine KPIs of the sheets with their definitions (docs/kpis.md)."""
    require_staff(request.auth)
    return [
        {
            "code": d.kpi.value,
            "label": str(KPI_LABELS[d.kpi.value]),
            "unit": d.sign,
            "direction": d.direction.value,
            "weight": d.weight,
            "places": d.places,
            "numerator": d.numerator,
            "denominator": d.denominator,
            "period": d.period.value,
            "scope": {dim.value: text for dim, text in d.scope},
            "empty": d.empty,
        }
        for d in (kpis.DEFS[k] for k in kpis.ALL_KPIS)
    ]


@router.get("/reports/sheets/mine", response={200: SheetOut, **ERRORS}, summary="My own assessment sheet")
def my_sheet(request: ApiRequest, params: Query[SheetParams]) -> dict[str, Any]:
    """Every staff member's own row (whatever the role), with targets, points and rank in the branch."""
    me = require_staff(request.auth)
    scope = queries.Scope(_period(params.period), (me.branch_id,) if me.branch_id else None, live=params.live)
    sheet = sheets.sheet(Dim.STAFF, scope, only=me.pk)
    return _sheet_out(sheet, scope, {})


@router.get("/reports/sheets/{dim}", response={200: SheetOut, **ERRORS}, summary="A KPI sheet")
def kpi_sheet(
    request: ApiRequest,
    dim: Annotated[str, WithJsonSchema({"type": "string", "enum": [d.value for d in Dim]})],
    params: Query[SheetParams],
) -> dict[str, Any]:
    """One row per service area, staff member, outlet or branch of the viewer's report branches, with every KPI's
    counts, value, target and points, the score and the rank within the branch. 404 for roles without
    reports."""
    staff = require_staff(request.auth)
    try:
        d = Dim(dim)
    except ValueError:
        raise NotFound("not_found", _("There is no such report."), "dim") from None
    scope = queries.Scope(_period(params.period), access.report_branches(staff), live=params.live)
    return _sheet_out(sheets.sheet(d, scope), scope, sheets.company(scope))

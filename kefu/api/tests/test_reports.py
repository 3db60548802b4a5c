"""/api/v1/reports: the KPI sheets with the known answers of kefu.reports.tests.data (March 2026), the
branch scope of the console's reports, closed and snapshot figures, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kefu.api.tests.conftest import assert_error
from kefu.reports import closing
from kefu.reports.kpis import Period
from kefu.reports.models import KpiTarget
from kefu.reports.tests import data

pytestmark = pytest.mark.django_db
MARCH = {"period": "2026-03"}


@pytest.fixture
def known(world):  # type: ignore[no-untyped-def]
    with timezone.override("Asia/Shanghai"):
        yield data.build(world)


def rows_by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in body["rows"]}


def test_area_sheet_has_the_known_figures(world: Any, known: Any, apis: Any) -> None:
    resp = apis("admin").get("/reports/sheets/area", **MARCH)
    assert resp.status_code == 200, resp.content[:300]
    body = resp.body
    assert (body["period"], body["dim"], body["figures"]) == ("2026-03", "area", "live")
    n1 = rows_by_code(body)["n1"]
    assert n1["name"] == "和平里片区" and n1["branch"]["name"] == "城北分公司"
    k = n1["kpis"]
    # 6 complaints per 95 customers active on 31 March = 63.2 ‰; 30 of 40 answered within 24 h; 16 of 20 on time
    assert (k["complaint_rate"]["numerator"], k["complaint_rate"]["denominator"]) == (6, 95)
    # one rounding rule everywhere: one decimal, half up (the page shows 63.2‰ too)
    assert k["complaint_rate"]["value"] == "63.2" or Decimal(k["complaint_rate"]["value"]) == Decimal("63.2")
    assert (k["answered_24h"]["numerator"], k["answered_24h"]["denominator"]) == (30, 40)
    assert Decimal(k["answered_24h"]["value"]) == 75
    assert (k["on_time"]["numerator"], k["on_time"]["denominator"], Decimal(k["on_time"]["value"])) == (
        16,
        20,
        80,
    )
    assert (k["followup"]["numerator"], k["followup"]["denominator"]) == (9, 10)
    assert (k["csat"]["numerator"], k["csat"]["denominator"], Decimal(k["csat"]["value"])) == (6, 8, 75)
    nps = k["nps"]
    assert (nps["numerator"], nps["detractors"], nps["denominator"], Decimal(nps["value"])) == (5, 2, 10, 30)
    assert (k["retention"]["numerator"], k["retention"]["denominator"]) == (90, 100)
    assert (k["renewal"]["numerator"], k["renewal"]["denominator"]) == (10, 20)
    assert k["complaint_rate"]["detractors"] is None
    assert {"s1", "n2"} <= set(rows_by_code(body))
    assert set(body["company"]) == set(k) and set(body["spreads"]) == set(k)


def test_targets_points_and_rank(world: Any, known: Any, apis: Any) -> None:
    # company-wide for 2026: n1 meets it (75 %)
    KpiTarget.objects.create(
        kpi="answered_24h", scope="company", year=2026, target=Decimal(70), direction="higher"
    )
    n1 = rows_by_code(apis("admin").get("/reports/sheets/area", **MARCH).body)["n1"]
    cell = n1["kpis"]["answered_24h"]
    assert Decimal(cell["target"]) == 70 and cell["met"] is True and Decimal(cell["points"]) == 15
    score = n1["score"]
    assert (Decimal(score["points"]), score["possible"], Decimal(score["percent"])) == (15, 15, 100)
    assert n1["rank"] == 1 and n1["rank_of"] == 2  # n1 and n2 in the north; n1 has the full score


def test_branch_scope_like_the_console(world: Any, known: Any, apis: Any) -> None:
    north = apis("supervisor").get("/reports/sheets/area", **MARCH).body
    assert set(rows_by_code(north)) == {"n1", "n2"}
    south = apis("supervisor_south").get("/reports/sheets/branch", **MARCH).body
    assert [r["code"] for r in south["rows"]] == ["south"]
    assert len(apis("inspector").get("/reports/sheets/branch", **MARCH).body["rows"]) == 2
    # agents have no reports, only their own sheet
    assert_error(apis("agent").get("/reports/sheets/area", **MARCH), 404, "not_found")
    mine = apis("agent").get("/reports/sheets/mine", **MARCH)
    assert mine.status_code == 200
    assert [r["name"] for r in mine.body["rows"]] == ["李客服"] and mine.body["company"] == {}


def test_closed_and_snapshot_figures_equal_the_live_count(world: Any, known: Any, apis: Any) -> None:
    live = apis("admin").get("/reports/sheets/staff", **MARCH).body
    closing.close_period(Period(2026, 3), tz=data.TZ, provisional=True)
    snap = apis("admin").get("/reports/sheets/staff", **MARCH).body
    assert snap["figures"] == "snapshot" and snap["counted_at"]
    assert snap["rows"] == live["rows"]
    assert apis("admin").get("/reports/sheets/staff", period="2026-03", live="true").body["figures"] == "live"
    closing.close_period(Period(2026, 3), tz=data.TZ)
    closed = apis("admin").get("/reports/sheets/staff", **MARCH).body
    assert closed["figures"] == "closed" and closed["rows"] == live["rows"]


def test_errors_and_definitions(world: Any, apis: Any) -> None:
    assert_error(apis("admin").get("/reports/sheets/region", **MARCH), 404, "not_found")
    assert_error(apis("admin").get("/reports/sheets/area", period="March"), 400, "invalid", "period")
    defs = apis("agent").get("/reports/kpis").body
    assert [d["code"] for d in defs][:3] == ["complaint_rate", "answered_24h", "on_time"]
    assert defs[0]["unit"] == "‰" and defs[0]["direction"] == "lower" and defs[0]["weight"] == 20
    zh = apis("agent")
    zh.headers["Accept-Language"] = "zh-hans"
    assert zh.get("/reports/kpis").body[0]["label"] == "投诉率"
    assert_error(Client().get("/api/v1/reports/kpis"), 401)

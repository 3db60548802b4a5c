"""Report pages, drill-downs, permissions, branch scoping and exports (CSV and XLSX)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kefu.customers.models import Customer
from kefu.lib import exports
from kefu.reports.tests import data
from kefu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

P = "?period=2026-03"
DANGEROUS = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def known(world):  # type: ignore[no-untyped-def]
    with timezone.override("Asia/Shanghai"):
        yield data.build(world)


def login(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    assert c.login(username=staff.user.username, password=PASSWORD)
    return c


def body(resp) -> str:  # type: ignore[no-untyped-def]
    if hasattr(resp, "streaming_content"):
        return b"".join(resp.streaming_content).decode("utf-8")
    return resp.content.decode("utf-8")


PAGES = [
    reverse("console:reports_dashboard"),
    reverse("console:reports_kpis", args=["area"]),
    reverse("console:reports_kpis", args=["staff"]),
    reverse("console:reports_kpis", args=["branch"]),
    reverse("console:reports_assessment", args=["staff"]),
    reverse("console:reports_assessment", args=["area"]),
    reverse("console:reports_branches"),
    reverse("console:reports_formulas"),
]


def test_pages_for_admin_with_charts(world, known) -> None:  # type: ignore[no-untyped-def]
    c = login(world.admin)
    for url in PAGES:
        resp = c.get(url + P, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert resp.status_code == 200, url
    html = body(c.get(reverse("console:reports_dashboard") + P))
    assert html.count("<svg") == 7
    assert html.count("<title id=") == 7
    assert "Noto Sans CJK SC" in html
    assert "和平里片区" in html  # the heat map names the areas
    assert "城北分公司" in html
    # the Pareto chart draws the cumulative line
    assert 'class="cumulative"' in html


def test_kpi_table_links_to_drilldown(world, known) -> None:  # type: ignore[no-untyped-def]
    c = login(world.admin)
    html = body(c.get(reverse("console:reports_kpis", args=["area"]) + P))
    url = reverse("console:reports_drill", args=["answered_24h", "area", world.area_n1.pk])
    assert url in html
    assert "75.0%" in html
    page = body(c.get(url + "?period=2026-03&part=num"))
    assert re.search(r'id="drill-count">30<', page)
    shown = set(re.findall(r"GD-\d{8}-\d{6}", page))
    per_page = len(shown)
    assert shown <= {o.number for o in known.n1_answered}
    assert per_page == min(30, len(shown))
    den = body(c.get(url + "?period=2026-03&part=den"))
    assert re.search(r'id="drill-count">40<', den)
    # the export of a drill-down has every row, not only the page
    rows = list(
        csv.reader(io.StringIO(body(c.get(url + "?period=2026-03&part=num&format=csv")).lstrip("\ufeff")))
    )
    assert {r[0] for r in rows[1:]} == {o.number for o in known.n1_answered}


def test_permissions_and_branch_scoping(world, known) -> None:  # type: ignore[no-untyped-def]
    agent = login(world.agent)
    assert agent.get(reverse("console:reports_dashboard") + P).status_code == 404
    assert agent.get(reverse("console:reports_kpis", args=["area"]) + P).status_code == 404
    assert agent.get(reverse("console:reports_formulas")).status_code == 200  # linked from their own sheet
    mine = agent.get(reverse("console:reports_my_sheet") + P)
    assert mine.status_code == 200
    assert "李客服" in body(mine) and "赵客服" not in body(mine)
    own = reverse("console:reports_drill", args=["answered_24h", "staff", world.agent.pk])
    assert agent.get(own + P).status_code == 200
    other = reverse("console:reports_drill", args=["answered_24h", "staff", world.agent_senior.pk])
    assert agent.get(other + P).status_code == 404

    south = login(world.supervisor_south)
    html = body(south.get(reverse("console:reports_kpis", args=["area"]) + P))
    assert "南湖乡片区" in html and "和平里片区" not in html
    n1 = reverse("console:reports_drill", args=["complaint_rate", "area", world.area_n1.pk])
    assert south.get(n1 + P).status_code == 404
    assert (
        south.get(
            reverse("console:reports_drill", args=["complaint_rate", "branch", world.north.pk]) + P
        ).status_code
        == 404
    )
    csv_text = body(south.get(reverse("console:reports_kpis", args=["area"]) + P + "&format=csv"))
    assert "南湖乡片区" in csv_text and "和平里片区" not in csv_text

    inspector = login(world.inspector)
    html = body(inspector.get(reverse("console:reports_branches") + P))
    assert "城北分公司" in html and "城南分公司" in html and 'id="spread-row"' in html


def test_exports_neutralise_formulas_in_both_formats(world, known) -> None:  # type: ignore[no-untyped-def]
    for i, text in enumerate(DANGEROUS):
        Customer.objects.filter(pk=known.n1_customers[i].pk).update(name=text)
    c = login(world.supervisor)
    url = reverse("console:reports_export_customers")
    resp = c.get(url + "?format=csv")
    raw = resp.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").lstrip("\ufeff"))))
    names = [r[1] for r in rows[1:]]
    for text in DANGEROUS:
        assert "'" + text in names
        assert text not in names
    assert "和平里片区客户10" in names  # Chinese intact
    # branch scoping: the north supervisor's export has no south customers
    assert not any(n.startswith("南湖乡片区") for n in names)
    assert len(rows) - 1 == 125

    resp = c.get(url + "?format=xlsx")
    assert resp["Content-Type"] == exports.XLSX_TYPE
    ws = load_workbook(io.BytesIO(resp.content)).active
    # XML turns a stored carriage return into a line feed when read back; the apostrophe is what matters
    cells = [str(row[1]).replace("\n", "\r") for row in ws.iter_rows(min_row=2, values_only=True)]
    for text in DANGEROUS:
        assert "'" + text in cells
    for row in ws.iter_rows(min_row=2):
        assert row[1].data_type == "s"


def test_neutralise_keeps_numbers() -> None:
    assert exports.neutralise(-20) == -20
    assert exports.neutralise("-20") == "'-20"
    assert exports.neutralise("正常") == "正常"
    assert exports.neutralise(None) == ""


def test_queue_export_reuses_the_queue_filters(world, known) -> None:  # type: ignore[no-untyped-def]
    c = login(world.supervisor)
    url = reverse("console:reports_export_orders")
    text = body(c.get(url + "?tab=team&order_type=complaint&format=csv")).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    numbers = {r[0] for r in rows[1:]}
    # open complaints of the north branch: n1's 6 in March, the February, April and merged ones, n2's one
    assert len(numbers) == 10
    assert {o.number for o in known.n1_complaints} <= numbers
    html = body(c.get(reverse("console:queue") + "?tab=team&order_type=complaint"))
    assert 'id="queue-export-csv"' in html
    south = login(world.supervisor_south)
    resp = south.get(url + "?tab=team&order_type=complaint&format=xlsx")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.max_row - 1 == 2  # the south branch's two complaints only


def test_assessment_exports(world, known) -> None:  # type: ignore[no-untyped-def]
    c = login(world.admin)
    resp = c.get(reverse("console:reports_assessment", args=["staff"]) + P + "&format=xlsx")
    ws = load_workbook(io.BytesIO(resp.content)).active
    header = list(next(ws.iter_rows(max_row=1, values_only=True)))
    # name, code, branch; value, numerator, denominator, target, points per KPI; points, possible, score, rank
    assert len(header) == 3 + 9 * 5 + 4
    names = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert "李客服" in names
    rows = list(csv.reader(io.StringIO(body(c.get(reverse("console:reports_branches") + P + "&format=csv")))))
    # header, two branches, the spread row, then the outlets (a title line, a row each, their spread)
    assert [r[1] for r in rows[1:3]] == ["north", "south"]
    assert rows[3][3] == "139.1"  # complaint rate: 200 ‰ (south) − 60.9 ‰ (north, 7 ÷ 115), one decimal
    assert rows[4][0] == "营业网点"
    outlet = next(r for r in rows if r[0] == "和平里营业厅")
    assert outlet[3:6] == ["63.2", "6", "95"]  # the outlet serving n1: 6 complaints ÷ 95 customers


def test_dashboard_exports(world, known) -> None:  # type: ignore[no-untyped-def]
    c = login(world.admin)
    text = body(c.get(reverse("console:reports_dashboard") + P + "&format=csv"))
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert text.startswith("\ufeff") and len(lines) == 1 + 9
    assert lines[1][1:4] == ["72.0", "9", "125"]  # complaints ÷ customers of the company active on 31 March
    resp = c.get(reverse("console:reports_dashboard") + P + "&format=xlsx")
    wb = load_workbook(io.BytesIO(resp.content))
    assert len(wb.sheetnames) == 5
    causes = {r[0]: r[1] for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert causes["服务态度"] == 3
    areas = {r[0]: r[2] for r in wb.worksheets[4].iter_rows(min_row=2, values_only=True)}
    assert areas["和平里片区"] == 63.2

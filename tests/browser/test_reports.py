"""Report dashboards in a real browser, in Chinese: every chart is an inline SVG with readable Chinese
labels; one screenshot per dashboard (test-artifacts/screenshots/, docs/screenshots/ on request)."""

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from kefu.reports.tests import data
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DASHBOARDS = [
    ("reports-dashboard", "/reports/?period=2026-03", 7),
    ("reports-branches", "/reports/branches/?period=2026-03", 1),
    ("reports-assessment-staff", "/reports/assessment/staff/?period=2026-03", 0),
    ("reports-kpis-area", "/reports/kpis/area/?period=2026-03", 0),
]


def test_dashboards_render_svg_charts_in_chinese(page, world):  # type: ignore[no-untyped-def]
    with timezone.override("Asia/Shanghai"):
        data.build(world)
    page.context.set_default_timeout(60_000)  # the machine is shared: allow for load
    page.context.set_default_navigation_timeout(60_000)
    login(page, "admin", PASSWORD)
    for name, url, charts in DASHBOARDS:
        page.goto(url)
        expect(page.locator("#reports-nav")).to_be_visible()
        svgs = page.locator("svg.chart")
        expect(svgs).to_have_count(charts)
        for i in range(charts):
            svg = svgs.nth(i)
            assert svg.get_attribute("role") == "img"
            assert svg.locator("title").count() >= 1
            box = svg.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 60
            font = svg.evaluate("e => getComputedStyle(e).fontFamily")
            assert "Noto Sans CJK SC" in font
        if charts:
            text = " ".join(svgs.nth(i).text_content() or "" for i in range(charts))
            assert "城北分公司" in text  # Chinese labels drawn as SVG text
        screenshot(page, name, for_docs=True)

    page.goto("/reports/?period=2026-03")
    heat = page.locator("#chart-area-heatmap svg")
    expect(heat).to_contain_text("和平里片区")
    # the rendered Chinese glyphs have real width (a missing font would draw narrow boxes or nothing)
    width = heat.locator("g.tile text").first.evaluate("e => e.getComputedTextLength()")
    assert width > 40
    expect(page.locator("#chart-pareto svg polyline.cumulative")).to_have_count(1)

    # drill down from the KPI table to the orders behind a figure
    page.goto("/reports/kpis/area/?period=2026-03")
    row = page.locator(f"#row-{world.area_n1.pk}")
    row.locator("td[data-kpi='answered_24h'] a.kpi-value").click()
    expect(page.locator("#drill-count")).to_have_text("30")
    assert page.locator("#drill-table tbody tr").count() == min(30, settings.KEFU_PAGE_SIZE)
    screenshot(page, "reports-drilldown", for_docs=True)

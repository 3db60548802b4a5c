"""Browser test of the business-calendar page: an administrator types in next year's
holidays and make-up day, sees the preview of every day, saves, and the provisional deadline of an order
that ran into the missing year is recomputed."""

import pytest
from playwright.sync_api import expect

from kefu.commitments import clocks
from kefu.commitments.models import CalendarYear, OrderClock
from kefu.testing.clock import freeze, sh
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_previews_then_saves_2027(page, world, live_server, monkeypatch):
    clocks.ensure_defaults()
    freeze(monkeypatch, sh(2026, 12, 20, 10, 0))  # Sunday
    o = world.order(world.customer(), order_type="install_rural", title="开户安装")  # 10 working days
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    assert c.due_at == sh(2027, 1, 4, 17, 30) and c.provisional

    login(page, "admin", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    expect(page.locator("[data-testid=clock-resolution] [data-testid=clock-provisional]")).to_be_visible()
    expect(page.locator("[data-testid=clock-resolution] [data-testid=clock-due]")).to_contain_text(
        "2027-01-04 17:30"
    )

    page.goto("/calendars/")
    expect(page.locator("[data-testid=calendar-year-missing]").first).to_contain_text("2027")
    expect(page.locator("#cy-year")).to_have_value("2027")
    page.check("#cy-source-manual")
    page.fill(
        "#cy-text",
        "2027-01-01,holiday,元旦\n2027-02-05..2027-02-11,holiday,春节\n2027-02-20,workday,春节调休",
    )
    page.click("#cy-preview")
    rows = page.locator("[data-testid=preview-day]")
    expect(rows).to_have_count(9)
    expect(rows.first).to_contain_text("2027-01-01")
    expect(page.locator("tr.day-workday")).to_contain_text("2027-02-20")
    expect(page.locator("#calendar-preview-summary")).to_contain_text("8")
    assert not CalendarYear.objects.filter(year=2027).exists()  # the preview saves nothing
    screenshot(page, "calendar-year-preview")
    page.click("#cy-save")
    expect(page.locator("ul.messages")).to_contain_text("2027")
    assert CalendarYear.objects.get(year=2027, calendar__name=clocks.OFFICE_CALENDAR).source == "manual"

    page.goto(f"/orders/{o.number}/")
    expect(page.locator("[data-testid=clock-resolution] [data-testid=clock-due]")).to_contain_text(
        "2027-01-05 17:30"
    )
    expect(page.locator("[data-testid=clock-provisional]")).to_have_count(0)
    expect(page.locator("[data-testid=clock-recomputed-event]")).to_contain_text("2027-01-04 17:30")

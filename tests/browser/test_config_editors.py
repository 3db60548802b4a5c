"""Console → Configuration in a real browser at 1280 px: an administrator makes 2026-10-01 a holiday from the
year view (and is refused a make-up day on a Monday), then edits a standard phrase's English and Hungarian text
and sees the Traditional Chinese one fall back to the Simplified Chinese text."""

import pytest
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.commitments.models import BusinessCalendar, CalendarDay
from kefu.standards.models import StandardPhrase
from kefu.standards.services import ensure_defaults
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_edits_a_calendar_day_and_a_phrase(page, world, live_server):
    ensure_defaults()  # the migration's rows are gone after earlier flushing tests
    page.set_viewport_size({"width": 1280, "height": 900})
    office = BusinessCalendar.objects.get(name="标准工作日")
    CalendarDay.objects.filter(calendar=office, date__year=2026, date__month=10).delete()
    login(page, "admin", PASSWORD)

    page.click("#navgroup-admin summary")
    page.click("#nav-config")
    expect(page.locator("#config-index")).to_be_visible()
    screenshot(page, "config-index")
    page.click("#config-calendars")
    page.click(f"#config-calendar-{office.pk} a")
    page.goto(page.url + "?year=2026")
    expect(page.locator("#year-shown")).to_have_text("2026")

    # a make-up working day on a Monday is refused, naming the field
    page.click('#month-10 a[data-date="2026-10-12"]')
    page.select_option("#day-kind", "workday")
    page.fill("#day-reason", "调休")
    page.click("#day-save")
    expect(page.locator('[data-testid="error-kind"]')).to_contain_text("星期")
    assert not CalendarDay.objects.filter(calendar=office, date="2026-10-12").exists()

    # National Day, from the year view
    page.goto(f"/config/calendars/{office.pk}/?year=2026")
    page.click('#month-10 a[data-date="2026-10-01"]')
    expect(page.locator("#day-form h2")).to_contain_text("2026-10-01")
    page.select_option("#day-kind", "holiday")
    page.fill("#day-name", "国庆节")
    page.fill("#day-reason", "国务院办公厅2026年节假日安排")
    page.click("#day-save")
    expect(page.locator('#month-10 td.holiday a[data-date="2026-10-01"]')).to_be_visible()
    expect(page.locator("#year-days")).to_contain_text("国庆节")
    day = CalendarDay.objects.get(calendar=office, date="2026-10-01")
    assert day.kind == "holiday"
    record = AuditRecord.objects.filter(action="calendar.day_changed").latest("id")
    assert record.after is not None and record.after["reason"].startswith("国务院")
    page.click('#month-10 a[data-date="2026-10-01"]')
    screenshot(page, "config-calendar-year")

    # a standard phrase: English and Hungarian text, Traditional Chinese left to fall back
    phrase = StandardPhrase.objects.get(text_zh="谢谢您的耐心等待。")
    page.goto("/config/phrases/?q=耐心等待")
    page.click(f"#phrase-{phrase.pk} a")
    page.fill("#tr-text__en", "Thank you for waiting so patiently.")
    page.fill("#tr-text__hu", "Köszönjük, hogy türelmesen várt.")
    page.fill("#tr-text__zh-hant", "")
    page.click("#phrase-save")
    expect(page.locator(f"#phrase-{phrase.pk}")).to_contain_text("zh-hant")  # falls back, shown in the list
    phrase.refresh_from_db()
    assert phrase.tr("text", "en") == "Thank you for waiting so patiently."
    assert phrase.tr("text", "hu") == "Köszönjük, hogy türelmesen várt."
    assert phrase.tr("text", "zh-hant") == "谢谢您的耐心等待。"
    page.click(f"#phrase-{phrase.pk} a")
    expect(page.locator('[data-testid="fallback-text__zh-hant"]')).to_contain_text("谢谢您的耐心等待。")
    screenshot(page, "config-phrase-edit")

    # the sentence test in Hungarian
    page.goto("/config/phrases/")
    page.fill("#test-sentence", "Ez nem az én dolgom, kérdezzen mást.")
    page.select_option("#test-language", "hu")
    page.click("#test-run")
    expect(page.locator('[data-testid="test-match"]')).to_have_count(2)
    screenshot(page, "config-phrases")

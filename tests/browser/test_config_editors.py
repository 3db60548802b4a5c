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
    screenshot(page, "config-calendar-year", for_docs=True)

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
    screenshot(page, "config-phrase-edit", for_docs=True)

    # the sentence test in Hungarian
    page.goto("/config/phrases/")
    page.fill("#test-sentence", "Ez nem az én dolgom, kérdezzen mást.")
    page.select_option("#test-language", "hu")
    page.click("#test-run")
    expect(page.locator('[data-testid="test-match"]')).to_have_count(2)
    screenshot(page, "config-phrases")


def test_branch_manager_edits_an_area_and_an_outlet(page, world, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "sup", PASSWORD)
    page.goto("/config/")
    expect(page.locator("#config-phrases")).to_have_count(0)  # phrases are the administrators'
    page.click("#config-areas")
    expect(page.locator("#area-list")).to_contain_text("北苑片区")
    expect(page.locator("#area-list")).not_to_contain_text("南湖乡片区")  # another branch's
    page.click(f"#area-{world.area_n2.pk} a")
    page.fill("#area-households", "4600")
    page.check(f'#area-staff input[value="{world.technician.pk}"]')
    page.fill("#area-keywords", "北苑\n和平里")  # 和平里 is area n1's
    page.click("#area-save")
    expect(page.locator('[data-testid="error-address_keywords"]')).to_contain_text("和平里")
    page.fill("#area-keywords", "北苑\n北苑家园")
    page.click("#area-save")
    expect(page.locator(f"#area-{world.area_n2.pk}")).to_contain_text("孙师傅")
    screenshot(page, "config-areas")

    # an outlet with its English and Hungarian name: the Hungarian address falls back visibly
    page.goto("/config/outlets/new/")
    page.fill("#outlet-name", "和平里营业厅")
    page.fill("#outlet-address", "和平里街道1号")
    page.fill("#outlet-phone", "010-6400 1234")
    page.fill("#outlet-hours", "周一至周六 8:30–17:30")
    page.fill("#tr-name__en", "Hepingli service hall")
    page.fill("#tr-address__en", "1 Hepingli Street")
    page.fill("#tr-name__hu", "Hepingli ügyfélszolgálati iroda")
    page.click("#outlet-save")
    expect(page.locator("#outlet-list")).to_contain_text("和平里营业厅")
    page.click("#outlet-list a")
    expect(page.locator('[data-testid="fallback-address__hu"]')).to_contain_text("和平里街道1号")
    screenshot(page, "config-outlet-edit")

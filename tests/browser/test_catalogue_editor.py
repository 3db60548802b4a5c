"""Browser test of the service catalogue editor at 1280 px: an administrator creates a service with two
time limits and three materials on one page, sees a complaint-answer limit refused on an inquiry service at
the field (nothing saved), corrects it, saves, and previews the disclosure page in English and Hungarian with
the translated texts (the untranslated ones visibly falling back to Chinese in the editor)."""

import pytest
from playwright.sync_api import expect

from kefu.commitments import clocks
from kefu.commitments.models import Service, ServiceRevision
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_row(page, section: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f"#add-{section}")
    page.wait_for_load_state("networkidle")


def test_admin_creates_a_service_and_previews_it_in_english_and_hungarian(browser, world, live_server):
    clocks.ensure_defaults()
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, "admin", PASSWORD)
    page.goto("/catalogue/")
    page.click("#catalogue-new")
    expect(page.locator("#catalogue-title")).to_be_visible()

    page.fill("#id_service-code", "water-quality-inquiry")
    page.select_option("#id_service-order_type", "inquiry")
    page.fill("#id_service-name", "水质咨询")
    page.fill("#id_service-tr_en_name", "Water quality inquiry")
    page.fill("#id_service-tr_hu_name", "Vízminőségi tájékoztatás")
    page.fill("#id_service-description", "水质检测报告、异味、浑浊等问题的咨询。")
    page.fill("#id_service-tr_en_description", "Questions about water test reports, odour and turbidity.")
    page.fill("#id_service-commitment", "一个工作日内答复。")
    page.fill("#id_service-tr_hu_commitment", "Egy munkanapon belül válaszolunk.")
    page.uncheck("#id_service-technical")

    _add_row(page, "limits")
    _add_row(page, "limits")
    for _ in range(3):
        _add_row(page, "materials")
    # what was typed survives the round trips
    expect(page.locator("#id_service-tr_en_name")).to_have_value("Water quality inquiry")
    expect(page.locator("[data-testid=limits-row]")).to_have_count(2)
    expect(page.locator("[data-testid=materials-row]")).to_have_count(3)
    # a new row comes with the defaults: an active limit, a required material at the next position
    expect(page.locator("#id_limits-1-is_active")).to_be_checked()
    expect(page.locator("#id_materials-2-required")).to_be_checked()
    expect(page.locator("#id_materials-2-order")).to_have_value("2")

    page.select_option("#id_limits-0-kind", "first_response")
    page.fill("#id_limits-0-amount", "4")
    page.select_option("#id_limits-0-unit", "working_hours")
    page.select_option("#id_limits-1-kind", "complaint_answer")  # impossible on an inquiry service
    page.select_option("#id_limits-1-area_kind", "rural")
    page.fill("#id_limits-1-amount", "1")
    page.select_option("#id_limits-1-unit", "working_days")
    page.uncheck("#id_materials-2-required")
    for i, (zh, en) in enumerate([("身份证", "Identity card"), ("水费单", "Water bill"), ("水样照片", "")]):
        page.fill(f"#id_materials-{i}-name", zh)
        if en:
            page.locator("#section-materials details").nth(i).locator("summary").click()
            page.fill(f"#id_materials-{i}-tr_en_name", en)

    page.click("#catalogue-save")
    expect(page.locator("#catalogue-errors")).to_be_visible()
    error = page.locator('[data-field="limits-1-kind"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("投诉")  # in the user's language (Simplified Chinese)
    assert not Service.objects.filter(code="water-quality-inquiry").exists()
    screenshot(page, "catalogue-editor-refused")

    page.select_option("#id_limits-1-kind", "resolution")
    page.click("#catalogue-save")
    expect(page.locator("#section-history [data-testid=revision]")).to_have_count(1)
    s = Service.objects.get(code="water-quality-inquiry")
    assert s.time_limits.filter(is_active=True).count() == 2
    assert [(m.name, m.required) for m in s.materials.order_by("order")] == [
        ("身份证", True),
        ("水费单", True),
        ("水样照片", False),
    ]
    assert ServiceRevision.objects.get(service=s).status == "applied"
    # untranslated texts fall back visibly
    expect(
        page.locator('[data-translations="service-description"] [data-lang=hu] [data-testid=fallback]')
    ).to_contain_text("水质检测报告")
    screenshot(page, "catalogue-editor-saved", for_docs=True)

    for language, name, commitment_or_text, material in [
        ("en", "Water quality inquiry", "Questions about water test reports", "Identity card"),
        ("hu", "Vízminőségi tájékoztatás", "Egy munkanapon belül válaszolunk.", "身份证"),
    ]:
        page.select_option("#preview-language", language)
        with page.expect_popup() as popup:
            page.click("#catalogue-preview")
        preview = popup.value
        preview.wait_for_load_state()
        row = preview.locator("#service-water-quality-inquiry")
        expect(row.locator("[data-testid=service-name]")).to_have_text(name)
        expect(row).to_contain_text(commitment_or_text)
        expect(row.locator("[data-testid=service-material]").first).to_contain_text(material)
        expect(row.locator("[data-testid=service-material]").nth(2)).to_contain_text("水样照片")
        expect(row.locator("[data-limit=first_response]")).to_contain_text("4")
        expect(row.locator("[data-limit=resolution]")).to_contain_text("1")
        screenshot(preview, f"catalogue-preview-{language}")
        preview.close()
    context.close()


def test_two_admins_on_one_service_and_a_scheduled_change_cancelled(browser, world, live_server):
    """Two administrators edit the same service: the later save is refused with who changed what, the input
    kept on top of the other's change, and saved on the second try; a change scheduled for a later date is
    pending on the service page until its Cancel button is pressed."""
    import datetime as dt

    from kefu.lib import clock
    from kefu.testing.factories import make_staff
    from tests.browser.conftest import new_context_page

    clocks.ensure_defaults()
    make_staff("admin2", "admin", None, name="李管理")
    s = world.service_fault
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, "admin", PASSWORD)
    page.goto(f"/catalogue/{s.pk}/")
    other = new_context_page(browser, live_server, "admin2", PASSWORD)
    other.goto(f"/catalogue/{s.pk}/")
    other.fill("#id_service-description", "宽带中断、网速慢的上门维修。")
    other.click("#catalogue-save")
    other.wait_for_load_state("networkidle")
    other.context.close()

    page.fill("#id_service-commitment", "24小时内修复。")
    page.click("#catalogue-save")
    stale = page.locator("[data-testid=stale-edit]")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("李管理")
    expect(page.locator("#id_service-commitment")).to_have_value("24小时内修复。")  # kept
    expect(page.locator("#id_service-description")).to_have_value("宽带中断、网速慢的上门维修。")  # theirs
    s.refresh_from_db()
    assert s.commitment == ""  # nothing saved yet
    screenshot(page, "catalogue-stale-edit", for_docs=True)
    page.click("#catalogue-save")
    expect(page.locator("[data-testid=stale-edit]")).to_have_count(0)
    s.refresh_from_db()
    assert s.commitment == "24小时内修复。" and s.description == "宽带中断、网速慢的上门维修。"

    later = (clock.localdate() + dt.timedelta(days=40)).strftime("%Y-%m-%dT00:00")
    page.fill("#id_service-commitment", "12小时内修复。")
    page.fill("#id_revision-effective_from", later)
    page.click("#catalogue-save")
    change = page.locator("[data-testid=open-change]")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("12小时内修复。")
    expect(page.locator("#id_service-commitment")).to_have_value("24小时内修复。")  # in effect until then
    screenshot(page, "catalogue-pending-change", for_docs=True)
    change.locator("[data-testid=cancel-change]").click()
    expect(page.locator("[data-testid=open-change]")).to_have_count(0)
    expect(page.locator("#section-history [data-testid=revision][data-status=cancelled]")).to_have_count(1)
    cancelled = ServiceRevision.objects.select_related("decided_by").get(service=s, status="cancelled")
    assert cancelled.decided_by is not None and cancelled.decided_by.get_username() == "admin"
    context.close()

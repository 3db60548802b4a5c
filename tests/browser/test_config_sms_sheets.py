"""Configuration → SMS templates and Score sheets in a real browser at 1280 px: an administrator writes the
Hungarian text of the fee reminder, is refused an unknown placeholder at the field, previews the message a
Hungarian customer gets (with its SMS count) and saves it; then adds an item to a score sheet that inspections
were scored on, is refused while the points do not add up, and saves it as version 2."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.channels.models import SmsTemplate
from kefu.inspections import actions
from kefu.inspections.actions import InspectionInput
from kefu.inspections.models import ScoreItem, ScoreSheet
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZH = "尊敬的{customer_name}，您的{product}将于{due}到期，请及时续费。咨询：{hotline}"
HU = "Kedves {customer_name}! {product} előfizetése {due} napon lejár. Kérdés: {hotline}"


def test_administrator_edits_an_sms_template_and_a_score_sheet(page, world, live_server):
    template = SmsTemplate.objects.create(
        code="fee_reminder", language="zh-hans", text=ZH, signature="【城市燃气】"
    )
    SmsTemplate.objects.create(code="opt_out", language="hu", text="Leiratkozás: válasz R")
    sheet = ScoreSheet.objects.create(name="热线抽查表（测试）", total_points=20)
    greet = ScoreItem.objects.create(
        sheet=sheet, code="L1", category="language", text="报工号", max_points=10, position=10
    )
    told = ScoreItem.objects.create(
        sheet=sheet, code="Q1", category="quality", text="一次告知", max_points=10, position=20
    )
    scored = actions.do_create_inspection(
        world.inspector.user,
        InspectionInput(
            "spot", sheet.pk, timezone.localdate(), {greet.pk: 9, told.pk: 7}, staff_id=world.agent.pk
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "admin", PASSWORD)

    page.goto("/config/")
    page.click("#config-sms")
    expect(page.locator('[data-testid="sms-fee_reminder-hu"]')).to_have_attribute("data-state", "fallback")
    screenshot(page, "config-sms-list")
    page.click("#sms-fee_reminder a")
    expect(page.locator('[data-testid="fallback-text__hu"]')).to_contain_text("尊敬的")

    # an unknown placeholder is refused at the Hungarian field; nothing is saved
    page.fill("#sms-text__hu", HU.replace("{due}", "{lejarat}"))
    page.click("#sms-save")
    expect(page.locator('[data-testid="error-text__hu"]')).to_contain_text("{lejarat}")
    template.refresh_from_db()
    assert template.translations == {}

    # the preview of a Hungarian customer, then save
    page.fill("#sms-text__hu", HU)
    page.select_option("#sms-preview-language", "hu")
    page.click("#sms-preview-run")
    body = page.locator('[data-testid="sms-preview-body"]')
    expect(body).to_contain_text("Kedves Kovács Anna! kábeltévé előfizetése 2026-12-31 napon lejár.")
    expect(body).to_contain_text("Leiratkozás: válasz R")
    expect(page.locator('[data-testid="sms-preview-length"]')).to_contain_text("107")  # 2 SMS of 67
    screenshot(page, "config-sms-edit", for_docs=True)
    page.click("#sms-save")
    expect(page.locator('[data-testid="fallback-text__hu"]')).to_have_count(0)
    template.refresh_from_db()
    assert template.translations == {"hu": {"text": HU}}
    assert AuditRecord.objects.filter(action="sms_template.save", object_id=str(template.pk)).exists()

    # a score sheet in use: add an item; the points must add up to the total
    page.goto("/config/")
    page.click("#config-sheets")
    page.click(f"#sheet-{sheet.pk} a")
    expect(page.locator('[data-testid="sheet-in-use"]')).to_be_visible()
    page.click("#sheet-add-item")
    expect(page.locator('[data-testid="sheet-item"]')).to_have_count(3)
    page.fill("#item-2-code", "A1")
    page.select_option("#item-2-category", "attitude")
    page.fill("#item-2-text", "语气亲切，不打断客户")
    page.fill("#item-2-text__en", "Friendly, does not interrupt")
    page.fill("#item-2-max_points", "5")
    page.click("#sheet-save")
    expect(page.locator('[data-testid="error-total_points"]')).to_contain_text("25")
    assert not ScoreSheet.objects.filter(previous=sheet).exists()
    page.fill("#sheet-total", "25")
    page.click("#sheet-save")
    expect(page.locator("h1")).to_contain_text("2")
    new = ScoreSheet.objects.get(previous=sheet)
    assert new.version == 2 and new.total_points == 25 and new.items.count() == 3
    assert new.items.get(code="A1").tr("text", "en") == "Friendly, does not interrupt"
    scored.refresh_from_db()
    assert scored.sheet_id == sheet.pk and scored.max_points == 20
    screenshot(page, "config-sheet-edit", for_docs=True)

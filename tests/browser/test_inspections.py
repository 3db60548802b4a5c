"""Inspections in a real browser: an inspector fills a score sheet about an agent and assigns a corrective
action; the agent (its owner) sees it and marks it done."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.inspections.models import CorrectiveAction, Inspection, ScoreItem, ScoreSheet
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_scores_and_owner_corrects(page, world, browser, live_server):
    # the migration's sheets are gone after earlier flushing tests: a sheet of our own
    sheet = ScoreSheet.objects.create(name="营业厅柜台服务检查表（测试）")
    greet = ScoreItem.objects.create(
        sheet=sheet, category="language", text="主动问候", max_points=10, position=1
    )
    badge = ScoreItem.objects.create(
        sheet=sheet, category="appearance", text="佩戴工号牌", max_points=5, position=2
    )
    hall = ScoreItem.objects.create(
        sheet=sheet, category="facilities", text="营业厅整洁", max_points=5, position=3
    )

    login(page, "inspector", PASSWORD)
    page.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
    page.click("#nav-inspections")
    page.select_option("#start-sheet", str(sheet.pk))
    page.click("#inspection-start-button")
    page.select_option("#insp-kind", "spot")
    page.select_option("#insp-staff", str(world.agent.pk))
    page.fill(f"#insp-score_{greet.pk}", "9")
    page.fill(f"#insp-score_{badge.pk}", "7")  # above the maximum of 5: the browser refuses it
    page.fill(f"#insp-score_{hall.pk}", "5")
    page.fill("#insp-findings", "未佩戴工号牌")
    page.click("#inspection-submit")
    assert Inspection.objects.count() == 0
    page.fill(f"#insp-score_{badge.pk}", "2")
    page.fill(f"#insp-note_{badge.pk}", "工号牌放在抽屉里")
    screenshot(page, "inspection-form", for_docs=True)
    page.click("#inspection-submit")
    expect(page.locator("#inspection-score")).to_have_text("16/20 (80.0%)")
    insp = Inspection.objects.get()
    assert insp.staff_id == world.agent.pk and insp.inspector_id == world.inspector.pk

    page.fill("#ca-description", "上岗必须佩戴工号牌，班长每日检查")
    page.select_option("#ca-owner", str(world.agent.pk))
    page.fill("#ca-due_on", (timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.click("#action-submit")
    item = page.locator("[data-testid=corrective-action]")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-status", "open")
    screenshot(page, "inspection-page")
    act = CorrectiveAction.objects.get()
    expect(page.locator(f"#action-done-{act.pk}")).to_have_count(0)  # only the owner marks it done

    owner = new_context_page(browser, live_server, "agent", PASSWORD)
    try:
        owner.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
        owner.click("#nav-inspections")
        owner.locator("[data-testid=my-action] a").click()
        expect(owner.locator("#inspection-findings")).to_contain_text("未佩戴工号牌")
        owner.fill(f"#done-note-{act.pk}", "已佩戴")
        owner.click(f"#action-done-{act.pk}")
        expect(owner.locator("[data-testid=corrective-action]")).to_have_attribute("data-status", "done")
        expect(owner.locator("[data-testid=corrective-action]")).to_contain_text("已佩戴")
    finally:
        owner.context.close()
    act.refresh_from_db()
    assert act.status == "done" and act.done_note == "已佩戴"

"""Follow-up in a real browser: the follow-up staff member finds the task in the work list (overdue marked),
records a dissatisfied customer, and the order is reopened to its first-contact owner, who sees why."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.followup.actions import ensure_satisfaction_levels
from kefu.followup.models import FollowupTask
from kefu.testing.factories import PASSWORD
from kefu.workorders.actions import do_transition
from tests.browser.conftest import login, new_context_page, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dissatisfied_follow_up_reopens_to_the_owner(page, world, browser, live_server):
    ensure_satisfaction_levels()  # the migration's rows are gone after earlier flushing tests
    orders = seed_orders(world)
    o = do_transition(world.agent.user, orders["broadband"].pk, "resolved", resolution="更换光猫")
    late = do_transition(world.agent.user, orders["install"].pk, "resolved", resolution="已安装")
    task = FollowupTask.objects.get(workorder=o)
    FollowupTask.objects.filter(workorder=late).update(due_at=timezone.now() - dt.timedelta(hours=2))
    late_task = FollowupTask.objects.get(workorder=late)

    login(page, "followup", PASSWORD)
    page.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
    page.click("#nav-followup")
    rows = page.locator("[data-testid=followup-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("id", f"followup-{late_task.pk}")  # earliest due first
    expect(rows.first).to_have_class("row-overdue")
    screenshot(page, "followup-list", for_docs=True)

    page.locator(f"#followup-{task.pk} a.followup-open").click()
    screenshot(page, "followup-task")
    page.select_option("#fu-outcome", "reached")
    page.select_option("#fu-solved", "yes")
    page.select_option("#fu-satisfaction", "dissatisfied")
    page.fill("#fu-comments", "上门师傅没有提前联系")
    page.click("#followup-submit")
    expect(page.locator("#followup-status")).to_be_visible()
    expect(page.locator("#followup-satisfaction")).to_contain_text("不满意")
    expect(page.locator("#followup-form")).to_have_count(0)
    o.refresh_from_db()
    assert o.status == "reopened" and o.assignee_id == world.agent.pk

    owner = new_context_page(browser, live_server, "agent", PASSWORD)
    try:
        owner.goto(f"/orders/{o.number}/")
        expect(owner.locator("#timeline")).to_contain_text("上门师傅没有提前联系")
        expect(owner.locator("[data-testid=followup-panel]")).to_contain_text("不满意")
        screenshot(owner, "followup-reopened-order")
    finally:
        owner.context.close()

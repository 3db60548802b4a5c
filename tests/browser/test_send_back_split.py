"""Send back (退单), route again, split and the merge of two customers' reports in a real browser, on a
desktop (the dispatcher, the agent) and a phone (the technician who sends the order back)."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders import actions
from kefu.workorders.models import SendBack, WorkOrder
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_sends_back_on_a_phone_and_the_dispatcher_routes_it_again(
    phone_page, browser, live_server, world
):
    o = world.order(world.customer(name="王五", phone="13700137000"), title="厨房水管漏水")
    actions.do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="派维修班")
    login(phone_page, "tech", PASSWORD)
    phone_page.goto(f"/orders/{o.number}/")
    phone_page.locator("#action-send-back").click()
    expect(phone_page.locator("#sendback-reason")).to_be_focused()
    phone_page.fill("#sendback-reason", "是物业水管，不属燃气维修")
    screenshot(phone_page, "send-back-phone")
    phone_page.click("#send-back-submit")
    expect(phone_page.locator(".messages, .notice").first).to_be_visible()
    assert SendBack.objects.get().dispatcher == world.agent
    agent = new_context_page(browser, live_server, "agent", PASSWORD)
    agent.goto("/orders/?tab=sentback")
    expect(agent.locator("[data-testid=row-send-back-reason]")).to_contain_text("是物业水管")
    screenshot(agent, "send-back-queue")
    agent.click(f"text={o.number}")
    expect(agent.locator("#send-back-notice")).to_contain_text("是物业水管，不属燃气维修")
    screenshot(agent, "send-back-order")
    agent.locator("#send-back-route").click()
    agent.select_option("#transfer-to_department", str(world.repair_north.pk))
    agent.fill("#transfer-reason", "再派")
    agent.click("#transfer-submit")
    expect(agent.locator("#transfer-note-error")).to_be_visible()
    agent.fill("#transfer-note", "已核实：该地址在城北维修班片区")
    agent.click("#transfer-submit")
    expect(agent.locator("#send-back-notice")).to_have_count(0)
    assert SendBack.objects.get().rerouted_at is not None
    agent.context.close()


def test_split_and_merge_two_customers_reports(page, browser, live_server, world):
    survivor = world.order(world.customer(name="张三", phone="13800138000"), title="路灯不亮并咨询账单")
    lisi = world.customer(name="李四", phone="13900139000")
    make_portal_customer(world, lisi, "lisi")
    dup = world.order(lisi, title="5号楼路灯不亮", channel="portal")
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{survivor.number}/")
    page.locator("#action-split").click()
    page.fill("#split-title", "咨询本月账单")
    page.fill("#split-description", "客户询问本月账单为何偏高")
    page.select_option("#split-order_type", "inquiry")
    screenshot(page, "split-form")
    page.click("#split-submit")
    new = WorkOrder.objects.get(title="咨询本月账单")
    expect(page.locator("#order-number")).to_have_text(new.number)
    page.goto(f"/orders/{dup.number}/")
    page.locator("#action-merge").click()
    page.fill("#merge-survivor", survivor.number)
    page.click("#merge-submit")
    expect(page.locator("#merge-confirm_different_customer-error")).to_be_visible()
    page.check("#merge-confirm_different_customer")
    page.click("#merge-submit")
    expect(page.locator("#order-number")).to_have_text(survivor.number)
    expect(page.locator("#foreign-duplicates-notice")).to_contain_text(dup.number)
    actions.do_reply(world.agent.user, survivor.pk, "维修人员今天下午到场。", channel="sms")
    portal = new_context_page(browser, live_server, "lisi", PASSWORD)
    portal.set_viewport_size({"width": 390, "height": 844})
    portal.goto(f"/portal/orders/{dup.number}/")
    expect(portal.locator("#portal-merged-note")).to_contain_text(survivor.number)
    expect(portal.locator("#portal-timeline")).to_contain_text("维修人员今天下午到场。")
    assert "张三" not in portal.content()
    screenshot(portal, "portal-handled-together")
    portal.context.close()

"""Screenshots for docs/user-guide.md (written there with KEFU_UPDATE_SCREENSHOTS=1), each checked
against what the page must show so a broken page cannot become a docs picture."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders import actions
from tests.browser.conftest import login, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def busy_order(world):  # type: ignore[no-untyped-def]
    """An order with a realistic timeline: customer message, reply, note, transfer, status change."""
    orders = seed_orders(world)
    o = orders["broadband"]
    agent = world.agent.user
    cust_user = make_portal_customer(world, o.customer)
    actions.do_transition(agent, o.pk, "in_progress")
    actions.do_customer_message(cust_user, o.pk, "光猫的 LOS 灯一直红色闪烁，重启也没用。")
    actions.do_reply(
        agent, o.pk, "您好，已为您登记报修，维修师傅会在两小时内联系您上门检查。", channel="portal"
    )
    actions.do_note(agent, o.pk, "客户是老用户，上月刚续费两年，注意服务态度。楼道分光箱上周有人施工。")
    actions.do_transfer(agent, o.pk, to_staff_id=world.technician.pk, reason="需要上门检查入户光纤")
    return orders, o


def test_login_screenshot(page, world):
    page.set_viewport_size({"width": 1024, "height": 480})
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#id_password")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "login", for_docs=True)


def test_queue_and_order_screenshots(page, world):
    orders, o = busy_order(world)
    refund = orders["refund"]
    actions.do_escalate(world.agent.user, refund.pk, "客户要求经理回电")
    actions.do_transition(
        world.agent.user, orders["install"].pk, "pending_customer", reason="等客户确认安装时间"
    )
    zhao = world.customer("赵六", "13600136000", address="安定路8号")
    world.order(
        zhao, order_type="restoration", title="欠费停机后申请复机", description="客户已补缴费用，申请恢复"
    )
    world.order(
        zhao, order_type="suggestion", title="建议增加夜间报修电话", description="客户建议夜间也能报修"
    )
    login(page, "agent", PASSWORD)

    page.goto("/orders/?tab=owned")
    rows = page.locator("#queue-table tbody tr[data-number]")
    expect(rows).to_have_count(6)
    expect(page.locator(f"#order-row-{refund.pk} .badge-escalated")).to_have_count(1)
    expect(page.locator(f"#order-row-{o.pk}")).to_contain_text("孙师傅")  # assignee after the transfer
    screenshot(page, "queue", for_docs=True)

    page.goto(f"/orders/{o.number}/")
    kinds = page.locator("#timeline li[data-kind]").evaluate_all("ls => ls.map(l => l.dataset.kind)")
    assert kinds == ["system", "status", "customer", "reply", "note", "transfer"]
    expect(page.locator("#order-owner")).to_contain_text("李客服")
    expect(page.locator("#order-assignee")).to_have_text("孙师傅")
    expect(page.locator("#transfers li.transfer")).to_have_count(1)
    # the user guide's order.png is taken on demo data (tests/browser/test_order_page.py)
    screenshot(page, "order")

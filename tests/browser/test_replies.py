"""Every reply reaches the customer, or the agent is told it will not, in Chromium.

A phone order: the reply button refuses without a channel or a call log; the agent logs a call-back.
A portal order: the reply goes by portal and the customer's portal shows it."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import TimelineEntry, WorkOrder
from tests.browser.conftest import login, new_context_page, screenshot, seed_orders, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_order_needs_a_channel_and_takes_a_call_back(page, world):
    o = seed_orders(world)["broadband"]  # a phone order of 张三 (138 0013 8000)
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    box = page.locator("[data-testid=reply-channels]")
    expect(box.locator("input[type=radio]")).to_have_count(2)  # SMS to the mobile, the call-back
    expect(box).to_contain_text("138****8000")
    expect(box.locator("input[type=radio]:checked")).to_have_count(0)  # no default on a phone order

    page.fill("#reply-body", "您好，师傅今天下午两点上门。")
    page.click("#reply-submit")
    expect(page.locator("[data-testid=error-reply-channel]")).to_be_visible()
    # the page comes back at its top: the error is brought into view, the cursor in the channel choice
    expect(page.locator("[data-testid=error-reply-channel]")).to_be_in_viewport()
    expect(page.locator("[data-testid=reply-channels] input").first).to_be_focused()
    expect(page.locator("[data-testid=error-reply-channel]")).to_contain_text(
        zh(
            "Choose how the reply reaches the customer (SMS, e-mail, WeCom, portal), or log a call-back: this order came in by %(channel)s."
        ).split("%")[0]
    )
    assert not TimelineEntry.objects.filter(workorder=o, kind__in=["reply", "callback"]).exists()
    screenshot(page, "reply-channel-required", for_docs=True)

    # the agent calls the customer back instead and logs it
    page.check("[data-testid=reply-channel-callback]")
    page.select_option("[data-testid=callback-outcome]", "reached")
    page.fill("#reply-body", "已电话联系客户，约定今天下午两点上门。")
    page.click("#reply-submit")
    entry = page.locator("#timeline [data-kind=callback]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("约定今天下午两点上门")
    expect(entry.locator(".entry-delivery")).to_contain_text("138****8000")
    logged = TimelineEntry.objects.get(workorder=o, kind="callback")
    assert logged.data["outcome"] == "reached" and not logged.public
    assert WorkOrder.objects.get(pk=o.pk).first_response_at is not None  # reached: a response


def test_portal_order_reply_by_portal_reaches_the_customers_portal(page, world, browser, live_server):
    zhang = world.customer("张三", "13800138000", email="zhang@example.com")
    make_portal_customer(world, zhang, "cust")
    o = world.order(zhang, channel="portal", title="燃气灶打不着火", assignee_id=world.agent.pk)
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    box = page.locator("[data-testid=reply-channels]")
    expect(box.locator("[data-testid=reply-channel-portal]")).to_be_checked()  # the order's own channel
    expect(box.locator("[data-testid=reply-channel-sms]")).not_to_be_checked()
    page.fill("#reply-body", "您好，维修师傅明天上午九点上门检查燃气灶。")
    page.click("#reply-submit")
    reply = page.locator("#timeline [data-kind=reply]")
    expect(reply).to_have_count(1)
    entry = TimelineEntry.objects.get(workorder=o, kind="reply")
    assert entry.data["channel"] == "portal" and entry.public
    # the e-mail notice telling the customer a reply is waiting is shown with its outbox status
    expect(page.locator(f"[data-testid=delivery-{entry.pk}]")).to_have_attribute("data-state", "queued")
    screenshot(page, "reply-portal-delivery", for_docs=True)

    customer = new_context_page(browser, live_server, "cust", PASSWORD)
    try:
        customer.goto(f"/portal/orders/{o.number}/")
        expect(customer.locator("#portal-timeline")).to_contain_text("维修师傅明天上午九点上门检查燃气灶")
    finally:
        customer.context.close()

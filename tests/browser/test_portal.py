"""The customer portal on a phone: own orders only, public timeline only, reply, new request."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders import actions
from kefu.workorders.models import TimelineEntry, WorkOrder
from tests.browser.conftest import add_archive, login, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "内部备注：此客户曾多次恶意投诉，谨慎承诺"


def test_customer_on_a_phone(phone_page, world):
    page = phone_page
    orders = seed_orders(world)
    o = orders["broadband"]  # 张三's
    zhang = o.customer
    other = orders["refund"]  # 李四's: never visible to 张三
    add_archive(world, zhang)
    make_portal_customer(world, zhang)
    agent = world.agent.user
    actions.do_transition(agent, o.pk, "in_progress")
    actions.do_reply(agent, o.pk, "您好，维修师傅明天上午九点到十一点上门。")
    actions.do_note(agent, o.pk, NOTE)

    login(page, "cust", PASSWORD)
    assert page.url.endswith("/portal/")
    expect(page.locator(".whoami")).to_have_text("张三")  # the customer's name, not the login name
    listed = page.locator("#portal-orders li[data-number]").evaluate_all(
        "ls => ls.map(l => l.dataset.number)"
    )
    assert sorted(listed) == sorted([o.number, orders["inquiry"].number])
    expect(page.locator("#portal-subscriptions")).to_contain_text("光纤宽带 200M")
    expect(page.locator("#portal-payments tbody tr")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "portal", for_docs=True)

    page.locator(f"#portal-orders li[data-number='{o.number}'] a").click()
    expect(page.locator("#portal-order")).to_have_attribute("data-number", o.number)
    expect(page.locator("#portal-timeline")).to_contain_text("维修师傅明天上午九点")
    assert NOTE not in page.content()
    assert "恶意投诉" not in page.content()
    expect(page.locator("#portal-order-owner")).to_have_text("李客服")

    page.fill("#portal-reply-form textarea", "好的，明天上午家里有人。")
    page.click("#portal-reply-submit")
    expect(page.locator("#portal-timeline")).to_contain_text("明天上午家里有人")
    msg = TimelineEntry.objects.get(workorder=o, kind="customer")
    assert msg.author_customer_id == zhang.pk and msg.body == "好的，明天上午家里有人。"
    assert NOTE not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # someone else's order: 404, nothing of it shown
    resp = page.goto(f"/portal/orders/{other.number}/")
    assert resp is not None and resp.status == 404
    assert "要求退款" not in page.content() and "李四" not in page.content()
    # and staff pages are not for customers
    resp = page.goto(f"/orders/{o.number}/")
    assert resp is not None and resp.status == 404

    # a new request
    page.goto("/portal/")
    page.click("#portal-new-request")
    form = page.locator("#portal-submit-form")
    expect(form).to_be_visible()
    before = set(WorkOrder.objects.values_list("pk", flat=True))
    page.click("#portal-submit-button")  # empty: errors next to the fields, nothing saved
    expect(form.locator(".field-error").first).to_be_visible()
    assert set(WorkOrder.objects.values_list("pk", flat=True)) == before
    page.select_option("#portal-submit-form select[name=order_type]", "fault")
    page.fill("#portal-submit-form input[name=title]", "电视机顶盒没有信号")
    page.fill("#portal-submit-form textarea[name=description]", "从昨晚开始机顶盒显示无信号，重启无效。")
    page.click("#portal-submit-button")
    (new_pk,) = set(WorkOrder.objects.values_list("pk", flat=True)) - before
    new = WorkOrder.objects.select_related("owner").get(pk=new_pk)
    expect(page.locator("#portal-order")).to_have_attribute("data-number", new.number)
    assert new.customer_id == zhang.pk and new.channel == "portal" and new.order_type == "fault_general"
    assert new.owner.branch_id == world.north.pk and new.owner.role == "agent"
    expect(page.locator("#portal-order-owner")).to_have_text(new.owner.name)
    page.goto("/portal/")
    expect(page.locator(f"#portal-orders li[data-number='{new.number}']")).to_contain_text(
        "电视机顶盒没有信号"
    )

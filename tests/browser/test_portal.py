"""The customer portal on a phone: own orders only, public timeline only, reply, new request."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders import actions
from kefu.workorders.models import TimelineEntry, WorkOrder
from tests.browser.conftest import add_archive, login, screenshot, seed_orders, zh

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
    actions.do_reply(agent, o.pk, "您好，维修师傅明天上午九点到十一点上门。", channel="portal")
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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_self_registration_missing_document_notice_and_clock(phone_page, world, browser, live_server):
    """The portal end to end: a customer registers with a one-time link, requests a service that needs
    documents but sends only one, staff record the check, the customer sees the one-time notice,
    sends the missing document with a reply, staff mark it supplied, the order is in progress and the
    portal shows the deadline of the running clock."""
    import re

    from kefu.channels.models import OutboxMessage
    from kefu.commitments import clocks
    from kefu.commitments.models import OrderClock, Service
    from kefu.commitments.models.materials import MaterialsNotice, ServiceMaterial
    from tests.browser.conftest import new_context_page

    clocks.ensure_defaults()
    svc = Service.objects.create(
        code="install-urban",
        name="城区燃气开户安装",
        name_en="Urban gas installation",
        order_type="install_urban",
    )
    ServiceMaterial.objects.create(service=svc, name="身份证复印件", order=1)
    ServiceMaterial.objects.create(service=svc, name="房产证", order=2)
    page = phone_page

    # register: the link goes to the customer's phone through the outbox
    page.goto("/portal/signin/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#id_address", "13700137000")
    page.fill("#id_name", "王五")
    page.click("#portal-signin-submit")
    expect(page.locator("#portal-signin-sent")).to_be_visible()
    sms = OutboxMessage.objects.get(recipient="+8613700137000", channel="sms")
    found = re.search(r"https?://[^/\s]+(/portal/signin/link/\S+/)", sms.body)
    assert found is not None
    link = found.group(1)
    page.goto(link)
    page.click("#portal-link-confirm")
    expect(page.locator("#portal-password-form")).to_be_visible()
    page.goto("/portal/")
    expect(page.locator(".whoami")).to_have_text("王五")

    # a request for the service: its documents are listed at once (HTMX), only the ID card is sent
    page.goto("/portal/new/")
    page.select_option("#portal-submit-form select[name=order_type]", "installation")
    page.select_option("#portal-submit-form select[name=service]", str(svc.pk))
    expect(page.locator("#portal-service-materials")).to_contain_text("房产证")
    page.fill("#portal-submit-form input[name=title]", "新房开户通气")
    page.fill("#portal-submit-form textarea[name=description]", "新房入住，申请开户安装。附身份证复印件。")
    page.set_input_files(
        "#portal-submit-form input[name=files]",
        {"name": "id-card.png", "mimeType": "image/png", "buffer": PNG},
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#portal-submit-button")
    expect(page.locator("#portal-order")).to_be_visible()
    o = WorkOrder.objects.get(customer__name="王五")
    assert o.service_id == svc.pk and o.attachments.count() == 1

    # staff see the upload and record the check: the ID card is there, the deeds are missing
    staff = new_context_page(browser, live_server, "sup", PASSWORD)
    staff.goto(f"/orders/{o.number}/")
    expect(staff.locator("#materials-checklist li")).to_have_count(2)
    staff.locator("#materials-checklist input").first.check()
    staff.click("#materials-submit")
    expect(staff.locator("#order-status")).to_have_attribute("data-status", "awaiting_materials")
    assert MaterialsNotice.objects.get(workorder=o).items == ["房产证"]

    # the customer sees the one-time notice and sends the missing document with a reply
    page.reload()
    expect(page.locator("#portal-notices")).to_contain_text("房产证")
    status = OrderClock.objects.get(workorder=o, kind="resolution").status
    assert status != "running"
    expect(page.locator("#portal-clock-resolution")).to_have_attribute("data-status", status)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#portal-reply-form textarea", "房产证扫描件已上传。")
    page.set_input_files(
        "#portal-reply-form input[name=files]", {"name": "deeds.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.click("#portal-reply-submit")
    expect(page.locator("#portal-timeline")).to_contain_text("deeds.png")

    # staff mark it supplied: the order moves on and the clock starts
    staff.reload()
    staff.locator("#materials-checklist input").nth(1).check()
    staff.click("#materials-submit")
    expect(staff.locator("#order-status")).to_have_attribute("data-status", "in_progress")
    staff.context.close()
    clock = OrderClock.objects.get(workorder=o, kind="resolution")
    assert clock.started_at is not None and clock.due_at is not None

    page.reload()
    expect(page.locator("#portal-order-status")).to_contain_text(zh("in progress"))
    expect(page.locator("#portal-clock-resolution")).to_have_attribute("data-status", "running")
    expect(page.locator("#portal-clock-resolution time")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "portal-deadline")


def test_anonymous_report_on_a_phone(phone_page, world):
    page = phone_page
    page.goto("/portal/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#portal-report-form input[name=name]", "赵六")
    page.fill("#portal-report-form input[name=phone]", "137 0013 7009")
    page.select_option("#portal-report-form select[name=service]", str(world.service_fault.pk))
    page.fill("#portal-report-form textarea[name=description]", "楼道里的光缆被剪断了")
    page.click("#portal-report-submit")
    o = WorkOrder.objects.get(customer__phone_e164="+8613700137009")
    expect(page.locator("#portal-report-number")).to_have_text(o.number)
    assert o.channel == "portal" and o.service_id == world.service_fault.pk
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

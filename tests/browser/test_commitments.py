"""Browser tests of the service commitments: materials check with the one-time notice, the time-limits
card, an extension approved by the leader, and the public disclosure page on a phone."""

import pytest
from playwright.sync_api import expect

from kefu.commitments import clocks
from kefu.commitments.models import OrderClock, Service
from kefu.commitments.models.materials import MaterialsNotice, ServiceFee, ServiceMaterial, ServiceStep
from kefu.organization.models import Outlet
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, new_context_page, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def install_service() -> Service:
    svc = Service.objects.create(
        code="install-urban", name="城区燃气开户安装", name_en="Urban gas installation", order_type="install_urban",
        paid=True, fee="300.00", description="新建住宅通气开户。",
    )  # fmt: skip
    for i, (name, required) in enumerate([("身份证复印件", True), ("房产证", True), ("户型图", False)]):
        ServiceMaterial.objects.create(service=svc, name=name, required=required, order=i)
    for i, title in enumerate(["受理", "核对材料", "上门安装", "回访"]):
        ServiceStep.objects.create(service=svc, order=i, title=title)
    ServiceFee.objects.create(service=svc, name="超出3米的管道", amount="45.00", unit="每米")
    return svc


def test_materials_notice_clock_and_extension(page, world, live_server, browser):
    clocks.ensure_defaults()
    svc = install_service()
    cust = world.customer("张三", "13800138000", address="和平里东街5号", email="zhang@example.com")
    o = world.order(cust, order_type="install_urban", title="新装燃气开户", service_id=svc.pk)
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    expect(page.locator("#materials-checklist li")).to_have_count(3)
    # the customer brought the ID card only
    page.locator("#materials-checklist input").first.check()
    page.click("#materials-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "awaiting_materials")
    notice = MaterialsNotice.objects.get(workorder=o)
    assert notice.items == ["房产证"]
    expect(page.locator("[data-testid=clock-resolution]")).to_contain_text(
        zh("not yet — the clock starts when the required materials are complete")
    )
    # the printable notice
    page.click(f"[data-testid=notice-{notice.pk}]")
    expect(page.locator("[data-testid=notice-print]")).to_contain_text("房产证")
    page.go_back()
    # everything is there: the order moves on and the 5-working-day clock starts
    page.locator("#materials-checklist input").nth(1).check()
    page.click("#materials-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "in_progress")
    clock = OrderClock.objects.get(workorder=o, kind="resolution")
    assert clock.started_at is not None and clock.due_at is not None
    expect(page.locator("[data-testid=clock-resolution] [data-testid=clock-due]")).not_to_have_text("—")
    expect(page.locator("[data-testid=clock-remaining]").first).to_be_visible()
    # ask for two more working days; the supervisor approves on the extension requests page
    page.locator("[data-testid=clock-resolution] summary").first.click()
    page.fill(f"#ext-amount-{clock.pk}", "2")
    page.fill(f"#ext-reason-{clock.pk}", "燃气表缺货，厂家三个工作日内到货")
    page.click(f"#ext-submit-{clock.pk}")
    expect(page.locator(f"#extension-form-{clock.pk}")).to_have_count(0)
    screenshot(page, "order-time-limits", for_docs=True)
    due_before = OrderClock.objects.get(pk=clock.pk).due_at
    leader = new_context_page(browser, live_server, "sup", PASSWORD)
    leader.goto("/orders/extensions/")
    ext = clock.extensions.get()
    leader.click(f"#decide-open-{ext.pk}")  # the decision opens in a dialog
    expect(leader.locator("#decide-dialog")).to_be_visible()
    leader.click("#decide-approve")
    expect(leader.locator(f"#decide-open-{ext.pk}")).to_have_count(0)
    leader.context.close()
    clock.refresh_from_db()
    assert clock.due_at is not None and due_before is not None
    assert clock.extension_amount == 2 and clock.due_at > due_before
    assert WorkOrder.objects.get(pk=o.pk).due_at == clock.due_at


def test_disclosure_page_on_a_phone(phone_page, world):
    clocks.ensure_defaults()
    install_service()
    Outlet.objects.create(
        branch=world.north, name="和平里营业厅", address="和平里东街1号", phone="010-64001234", opening_hours="8:30–17:30"
    )  # fmt: skip
    world.area_n1.responsible.add(world.agent, world.technician)
    phone_page.goto("/disclosure/")
    row = phone_page.locator("#service-install-urban")
    expect(row).to_contain_text("城区燃气开户安装")
    expect(row).to_contain_text("身份证复印件")
    expect(row.locator("[data-limit=resolution]")).to_be_visible()
    expect(phone_page.locator("#area-n1")).to_contain_text(world.agent.badge_no)
    expect(phone_page.locator("#disclosure-hotline")).to_have_text("96777")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # nothing widens the page on a phone
    screenshot(phone_page, "disclosure", for_docs=True)

"""Creating a work order from a customer: services follow the type, the most senior receiver owns it."""

import re

import pytest
from playwright.sync_api import expect

from kefu.commitments.models import Service
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def service_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#create-service option").evaluate_all("os => os.map(o => o.textContent.trim())")


def fill_and_submit(page, world, install: Service) -> WorkOrder:  # type: ignore[no-untyped-def]
    page.select_option("#create-order_type", "install_urban")
    expect(page.locator("#create-service option")).to_have_count(2)  # "—" and the one installation
    assert service_labels(page) == ["—", "新装宽带开通"]
    page.select_option("#create-order_type", "fault_general")
    expect(page.locator("#create-service option", has_text="宽带故障报修")).to_have_count(1)
    assert service_labels(page) == ["—", "宽带故障报修"]
    page.select_option("#create-order_type", "install_urban")
    expect(page.locator("#create-service option", has_text="新装宽带开通")).to_have_count(1)
    page.select_option("#create-service", str(install.pk))
    page.select_option("#create-channel", "counter")
    page.fill("#create-title", "新装宽带（营业厅受理）")
    page.fill("#create-description", "客户到营业厅办理新装，地址和平里东街5号，希望周末安装。")
    page.select_option("#create-co_receivers", [str(world.agent_senior.pk)])
    page.select_option("#create-department", str(world.repair_north.pk))
    screenshot(page, "order-create", for_docs=True)
    before = set(WorkOrder.objects.values_list("pk", flat=True))
    page.click("#create-submit")
    expect(page.locator("#order-number")).to_have_text(re.compile(r"^GD-\d{8}-\d{6}$"))
    (new_pk,) = set(WorkOrder.objects.values_list("pk", flat=True)) - before
    return WorkOrder.objects.get(pk=new_pk)


def test_create_order_from_customer(page, world):
    install = Service.objects.create(
        code="broadband-install",
        name="新装宽带开通",
        name_en="New broadband line",
        order_type="install_urban",
    )
    customer = world.customer("张三", "13800138000", address="和平里东街5号")
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/new/?customer={customer.pk}")
    expect(page.locator("#create-customer")).to_contain_text("张三")
    assert page.locator("#create-area").input_value() == str(world.area_n1.pk)  # from the customer's address
    page.select_option("#create-order_type", "install_urban")
    expect(page.locator("#create-service option")).to_have_count(2)
    page.fill("#create-title", "新装宽带（营业厅受理）")

    # a missing description is reported next to the field and nothing is saved
    page.click("#create-submit")
    expect(page.locator("#create-description-error")).to_be_visible()
    assert WorkOrder.objects.count() == 0
    assert page.locator("#create-title").input_value() == "新装宽带（营业厅受理）"

    page.goto(f"/orders/new/?customer={customer.pk}")
    o = fill_and_submit(page, world, install)
    expect(page.locator("#order-number")).to_have_text(o.number)
    # 赵客服 (grade 3) received it together with 李客服 (grade 2): the more senior one owns it
    expect(page.locator("#order-owner")).to_contain_text("赵客服")
    expect(page.locator("#order-owner")).to_contain_text("李客服")  # "received together with …"
    expect(page.locator("#order-department")).to_have_text("维修班")
    assert o.owner_id == world.agent_senior.pk
    assert set(o.receivers.values_list("staff_id", flat=True)) == {world.agent.pk, world.agent_senior.pk}
    assert (o.order_type, o.service_id, o.channel, o.customer_id) == (
        "install_urban",
        install.pk,
        "counter",
        customer.pk,
    )
    assert o.department_id == world.repair_north.pk and o.area_id == world.area_n1.pk

"""Tags and custom fields in Chromium: an administrator declares a field required at "resolved" on the
console's page; resolving an order without it is refused with a message naming the field, next to the
status form; once the agent fills it in on the order's card (HTMX, no page load) the order resolves. Tags
are added with the autocomplete of the tag box. Screenshots at 1280 px and 390 px."""

import pytest
from playwright.sync_api import expect

from kefu.fields import actions as field_actions
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import ARTIFACTS, login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_required_field_blocks_resolving_with_a_clear_message(page, browser, live_server, world):  # type: ignore[no-untyped-def]
    # the administrator declares the meter number, required before an order is resolved
    admin = new_context_page(browser, live_server, "admin", PASSWORD)
    admin.goto("/fields/")
    admin.fill("#def-key", "meter_no")
    admin.fill("#def-label", "表号")
    admin.fill("#def-help", "燃气表表盘上的8位数字")
    admin.fill("#def-pattern", "[0-9]{8}")
    admin.check("#def-required-resolved")
    admin.click("#definition-save")
    expect(admin.locator("#definition-meter_no")).to_contain_text("resolved")
    screenshot(admin, "fields-definitions", for_docs=True)
    admin.context.close()

    # an order and another one that is already tagged (for the autocomplete)
    other = world.order(world.customer("李四", "13900139000"))
    field_actions.do_add_tags(world.agent.user, other, ["燃气表", "燃气灶"])
    o = world.order(world.customer("王五", "13700137000"), title="燃气表不走字")

    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.select_option("#status-status", "resolved")
    page.fill("#status-resolution", "已更换燃气表")
    page.click("#status-submit")
    error = page.locator("#status-section [data-testid=form-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("表号")
    expect(error).to_have_attribute("role", "alert")
    o.refresh_from_db()
    assert o.status == "new"
    screenshot(page, "fields-required-refused", for_docs=True)

    # a wrong value is refused on the card, next to the field
    card = page.locator("#fields-panel")
    card.locator("#input-meter_no").fill("12AB")
    card.locator("#fields-save").click()
    expect(page.locator("[data-testid=field-error-meter_no]")).to_contain_text("表号")
    page.locator("#input-meter_no").fill("12345678")
    page.locator("#fields-save").click()
    expect(page.locator("[data-testid=fields-saved]")).to_be_visible()
    assert field_actions.values_of(o)["meter_no"] == ["12345678"]

    # tags: typing shows the existing ones (autocomplete), adding normalises; first let the card settle (the
    # saved values come back by live update and redraw it, with an empty suggestion list)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.locator("#tag-add").fill("燃气")
    expect(page.locator("#tag-suggestions option[value=燃气表]")).to_have_count(1)
    page.locator("#tag-add").fill("燃气表, Repeat Visit")
    page.locator("#tag-add-submit").click()
    expect(page.locator("#order-tags [data-tag=repeat-visit]")).to_be_visible()
    expect(page.locator("#order-tags [data-tag=燃气表]")).to_be_visible()

    # now it resolves
    page.select_option("#status-status", "resolved")
    page.fill("#status-resolution", "已更换燃气表")
    page.click("#status-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "resolved")
    assert WorkOrder.objects.get(pk=o.pk).status == "resolved"
    screenshot(page, "fields-order-card", for_docs=True)
    page.locator("#fields-panel").screenshot(path=str(ARTIFACTS / "fields-card-desktop.png"))

    # the queue filters by tag
    page.goto("/orders/?tab=owned&tag=repeat-visit")  # the agent owns both; a resolved one is still owned
    expect(page.locator(f"text={o.number}")).to_have_count(1)
    expect(page.locator(f"text={other.number}")).to_have_count(0)


def test_order_card_on_a_phone(phone_page, world):  # type: ignore[no-untyped-def]
    field_actions.do_save_definition(
        world.admin.user,
        {
            "key": "slot",
            "label": "预约时段",
            "scope": "order",
            "kind": "multi_choice",
            "choices": "上午,下午,晚上",
        },
    )
    field_actions.do_save_definition(
        world.admin.user, {"key": "account_no", "label": "户号", "scope": "customer", "kind": "text"}
    )
    o = world.order(world.customer("王五", "13700137000"))
    login(phone_page, "tech", PASSWORD)
    phone_page.goto(f"/orders/{o.number}/")
    card = phone_page.locator("#fields-panel")
    card.scroll_into_view_if_needed()
    card.locator("#field-slot input[value=上午]").check()
    card.locator("#fields-save").click()
    expect(phone_page.locator("[data-testid=fields-saved]")).to_be_visible()
    assert field_actions.values_of(o)["slot"] == ["上午"]
    # the technician may not edit the customer's record: the 户号 is shown, not editable
    assert phone_page.locator("#fields-panel input[name='field.account_no']").count() == 0
    width = phone_page.evaluate("document.getElementById('fields-panel').scrollWidth")
    assert width <= 390
    screenshot(phone_page, "fields-order-card-phone")
    card.screenshot(path=str(ARTIFACTS / "fields-card-phone.png"))

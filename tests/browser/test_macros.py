"""Macros, bulk actions and saved views in a real browser (docs/macros.md): a shared macro applied to 20
orders selected in the queue, with its preview; a shared view defined by a supervisor, seen with its count
by an agent."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "#queue-table tbody tr[data-number]"


def test_apply_a_macro_to_20_selected_orders(page, world):
    from kefu.macros import actions
    from kefu.macros.models import MacroUse
    from kefu.workorders.models import TimelineEntry, WorkOrder

    customer = world.customer("王五", "13700137000")
    orders = [world.order(customer, title=f"燃气表读数异常 {i}", channel="sms") for i in range(20)]
    macro = actions.do_save_macro(
        world.supervisor.user,
        actions.MacroInput(
            name="已受理，等待上门",
            shared=True,
            reply_text="{{customer.name}}您好，您的工单{{order.number}}已受理，师傅将尽快上门。",
            note="批量受理",
            priority="high",
        ),
    )
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=team")
    expect(page.locator(ROWS)).to_have_count(20)
    page.click("#bulk-open")
    expect(page.locator("#bulk-action")).to_be_visible()
    page.check("#queue-check-all")
    expect(page.locator("[data-bulk-count] strong")).to_have_text("20")
    page.select_option("#bulk-action", "macro")
    expect(page.locator("#bulk-to-staff")).to_be_hidden()  # only the macro's fields are shown
    page.select_option("#bulk-macro", str(macro.pk))
    page.click("#bulk-preview")
    first = orders[0].number
    expect(page.locator(f'[data-testid="macro-preview-{first}"]')).to_contain_text(
        f"王五您好，您的工单{first}已受理，师傅将尽快上门。"
    )
    expect(page.locator(".macro-preview-order")).to_have_count(20)
    screenshot(page, "macros-bulk-preview", for_docs=True)
    page.click("#bulk-submit")
    expect(page.locator("#bulk-summary")).to_contain_text("20")
    expect(page.locator(".bulk-orders li.ok")).to_have_count(20)
    expect(page.locator("[data-bulk-count] strong")).to_have_text("0")  # the ticks are cleared
    screenshot(page, "macros-bulk-result", for_docs=True)
    assert set(WorkOrder.objects.values_list("priority", flat=True)) == {"high"}
    replies = dict(TimelineEntry.objects.filter(kind="reply").values_list("workorder__number", "body"))
    assert len(replies) == 20 and replies[orders[7].number] == (
        f"王五您好，您的工单{orders[7].number}已受理，师傅将尽快上门。"
    )
    assert MacroUse.objects.filter(macro=macro, staff=world.agent).count() == 20
    # the queue list shows the new priority once the selection is gone
    expect(page.locator(f"#order-row-{orders[0].pk}")).to_have_class("prio-high")


def test_define_a_shared_view_and_see_its_count(page, browser, live_server, world):
    from kefu.workorders import actions as wo

    customer = world.customer("王五", "13700137000")
    orders = [world.order(customer, title=f"报修 {i}") for i in range(5)]
    for o in orders[:3]:
        wo.do_update_order(world.agent.user, o.pk, {"priority": "urgent"})
    login(page, "sup", PASSWORD)
    page.goto("/orders/?tab=team")
    expect(page.locator(ROWS)).to_have_count(5)
    page.select_option("#filter-priority", "urgent")
    expect(page.locator(ROWS)).to_have_count(3)
    page.click("#save-view-open")
    page.fill("#view-name", "紧急待办")
    page.check("#view-shared")
    page.uncheck("#save-view-form input[name=columns][value=received]")
    page.click("#view-save")
    view = page.locator("#saved-views a.tab", has_text="紧急待办")
    expect(view).to_contain_text("3")
    expect(view).to_have_attribute("aria-current", "page")

    agent = new_context_page(browser, live_server, "agent", PASSWORD)
    try:
        agent.goto("/orders/")
        shared = agent.locator("#saved-views a.tab", has_text="紧急待办")
        expect(shared).to_contain_text("★")
        expect(shared.locator(".count")).to_have_text("3")
        screenshot(agent, "macros-saved-views", for_docs=True)
        shared.click()
        expect(agent.locator(ROWS)).to_have_count(3)
        assert "priority=urgent" in agent.url
    finally:
        agent.context.close()

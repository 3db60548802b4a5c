"""The notification bell and list in Chromium: the count in the top bar, opening an order from the list
marks it read, mark all read; the preferences page. Screenshots for docs/user-guide.md."""

import pytest
from playwright.sync_api import expect

from kefu.notifications.models import Notification
from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bell_list_and_preferences(page, world):  # type: ignore[no-untyped-def]
    cust = world.customer("张三", "13800138000", address="和平里东街5号")
    a = world.order(cust, title="宽带无法上网")
    b = world.order(cust, title="要求退款", order_type="complaint")
    actions.do_transfer(
        world.agent.user, a.pk, to_staff_id=world.technician.pk, reason="需要上门检查入户光纤"
    )
    actions.do_transfer(world.agent.user, b.pk, to_staff_id=world.technician.pk, reason="核实扣费")
    actions.do_note(world.agent.user, a.pk, "@孙师傅 客户下午两点后在家")
    assert Notification.objects.filter(recipient=world.technician, read_at__isnull=True).count() == 3

    login(page, "tech", PASSWORD)
    bell = page.locator("#notification-bell")
    expect(bell).to_be_visible()
    expect(page.locator("#notification-count")).to_have_text("3")
    bell.click()
    page.wait_for_url("**/notifications/")
    rows = page.locator("[data-testid=notification]")
    expect(rows).to_have_count(3)
    expect(page.locator("li.notification.unread")).to_have_count(3)
    expect(rows.first).to_contain_text(a.number)  # newest first: the mention
    expect(rows.first).to_contain_text("客户下午两点后在家")
    screenshot(page, "notifications", for_docs=True)

    # open the order from the list: it is marked read, the bell counts one less
    rows.first.locator("button.notification-open").click()
    page.wait_for_url(f"**/orders/{a.number}/")
    expect(page.locator("#notification-count")).to_have_text("2")

    page.goto("/notifications/")
    expect(page.locator("li.notification.unread")).to_have_count(2)
    page.click("#notification-read-all button")
    page.wait_for_load_state("networkidle")
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#notification-count")).to_be_hidden()

    page.click("#notification-preferences-link")
    expect(page.locator("#sms-breach")).to_be_checked()
    expect(page.locator("#email-assigned")).not_to_be_checked()
    page.check("#email-assigned")
    page.fill("#quiet_start", "22:00")
    page.fill("#quiet_end", "07:00")
    screenshot(page, "notification-preferences", for_docs=True)
    page.click("#preferences-save")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#email-assigned")).to_be_checked()
    expect(page.locator("#quiet_start")).to_have_value("22:00")
    assert world.technician.notification_preferences.get(kind="assigned").email is True

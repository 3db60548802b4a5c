"""A customer typing 燃气味 in the portal request form on a phone sees the 24-hour hotline warning
before submitting; the order is urgent with a minutes clock, in the on-duty technician's queue, and the
technician has the emergency notification."""

import datetime as dt
import zoneinfo

import pytest
from playwright.sync_api import expect

from kefu.commitments import emergency
from kefu.commitments.models import OrderClock
from kefu.knowledge.models import Shift
from kefu.lib import clock
from kefu.notifications.models import Notification
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gas_smell_on_a_phone_warns_before_submitting_and_calls_out_the_technician(
    phone_page, browser, live_server, world
):
    emergency.clear_cache()
    page = phone_page
    zhang = world.customer("张三", "13800138000", area_id=world.area_n1.pk)
    make_portal_customer(world, zhang)
    world.area_n1.responsible.add(world.technician)
    today = clock.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    # a 24-hour shift (ending at its start = past midnight) covering now
    Shift.objects.create(staff=world.technician, date=today, start=dt.time(0, 0), end=dt.time(0, 0))

    login(page, "cust", PASSWORD)
    page.goto("/portal/new/")
    notice = page.locator("#emergency-notice")
    expect(notice).to_be_hidden()
    page.select_option("#portal-submit-form select[name=order_type]", "fault")
    page.fill("#portal-submit-form input[name=title]", "厨房有异常")
    expect(notice).to_be_hidden()
    page.locator("#portal-submit-form textarea[name=description]").press_sequentially("早上起来闻到燃气味")
    # before anything is submitted
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("96777")
    expect(page.locator("#emergency-call")).to_have_attribute("href", "tel:96777")
    assert not WorkOrder.objects.filter(customer=zhang).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "portal-emergency", for_docs=True)

    page.click("#portal-submit-button")
    o = WorkOrder.objects.get(customer=zhang)
    expect(page.locator("#portal-order")).to_have_attribute("data-number", o.number)
    expect(page.locator("body")).to_contain_text("96777")
    assert o.priority == "urgent"
    arrival = OrderClock.objects.get(workorder=o, kind="arrival")
    assert (arrival.unit, arrival.amount) == ("calendar_minutes", 30)
    assert arrival.due_at == o.received_at + dt.timedelta(minutes=30)
    assert o.assignee_id == world.technician.pk
    assert Notification.objects.filter(recipient=world.technician, kind="emergency", workorder=o).exists()
    assert Notification.objects.filter(recipient=world.supervisor, kind="emergency", workorder=o).exists()

    tech = new_context_page(browser, live_server, "tech", PASSWORD)
    try:
        tech.goto("/orders/?tab=mine")
        row = tech.locator(f"tr:has-text('{o.number}')")
        expect(row).to_be_visible()
    finally:
        tech.context.close()

"""Urgent first in a real browser: the technician's own queue shows the fresh urgent
gas leak in row 1 above 17 months-old overdue orders, which are highlighted and say so in words."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "#queue-table tbody tr[data-number]"


def backlog(world):  # type: ignore[no-untyped-def]
    """17 normal orders received 17 months ago and overdue since, then a fresh urgent gas leak."""
    now = timezone.now()
    old = []
    for i in range(17):
        c = world.customer(name=f"客户{i:02d}", phone=f"1380013{i:04d}", address=f"和平里{i}号")
        o = world.order(c, title=f"灶具打不着火{i:02d}", order_type="fault_general")
        actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门检修")
        received = now - dt.timedelta(days=517) + dt.timedelta(hours=i)
        WorkOrder.objects.filter(pk=o.pk).update(
            received_at=received, due_at=received + dt.timedelta(hours=24), priority="normal"
        )
        old.append(o)
    c = world.customer(name="周七", phone="13600136001", address="安定路8号")
    gas = world.order(
        c, title="厨房燃气泄漏，闻到明显气味", order_type="fault_major", priority="urgent", channel="phone"
    )
    actions.do_transfer(world.agent.user, gas.pk, to_staff_id=world.technician.pk, reason="立即上门")
    return gas, old


def test_technicians_queue_shows_the_urgent_order_first(page, world):
    gas, old = backlog(world)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "tech", PASSWORD)
    page.goto("/orders/")  # "My queue", no sort chosen
    rows = page.locator(ROWS)
    expect(rows).to_have_count(18)
    first = rows.nth(0)
    expect(first).to_have_attribute("data-number", gas.number)
    expect(first).to_have_class("prio-urgent")
    expect(first.locator(".badge.prio-urgent")).to_be_visible()
    second = rows.nth(1)
    expect(second).to_have_attribute("data-number", old[0].number)  # the most overdue next
    expect(second).to_have_class("prio-normal row-overdue")
    badge = second.locator('[data-testid="row-overdue"]')
    expect(badge).to_be_visible()
    expect(badge).to_have_text("已超时")  # "overdue" of a time limit (not 逾期未缴, an unpaid bill)
    # the time is told in months, not as thousands of negative hours, and says it is clock time
    months = zh("%(n)d mo") % {"n": 17}
    overdue = zh("%(text)s (clock time)") % {"text": zh("%(amount)s overdue") % {"amount": months}}
    time_left = second.locator("small.time-left")
    expect(time_left).to_have_text(overdue)
    expect(time_left).to_have_attribute("title", zh("Clock time: nights, weekends and holidays count."))
    # the highlight is visible (a coloured left border on the first cell), not only a class name
    border = second.locator("td").first.evaluate("td => getComputedStyle(td).borderLeftStyle")
    assert border == "solid"
    screenshot(page, "queue-urgent-first-test")


def test_technicians_queue_on_a_phone_shows_the_first_order_and_its_due_time(phone_page, world):
    gas, _old = backlog(world)
    login(phone_page, "tech", PASSWORD)
    phone_page.goto("/orders/")
    first = phone_page.locator(ROWS).nth(0)
    expect(first).to_have_attribute("data-number", gas.number)
    # on 390 px the first order and its due time are on the first screen: the optional columns and
    # filters are folded away (the search field stays)
    expect(first.locator("td.due")).to_be_in_viewport()
    expect(phone_page.locator("#queue-filters .field-q input")).to_be_visible()
    expect(phone_page.locator("#queue-filters .field-status select")).to_be_hidden()
    phone_page.click("#filters-more")
    expect(phone_page.locator("#queue-filters .field-status select")).to_be_visible()
    second = phone_page.locator(ROWS).nth(1)
    expect(second.locator('[data-testid="row-overdue"]')).to_be_visible()
    screenshot(phone_page, "queue-phone")

"""The queue in a real browser: filters, 2-character Chinese search, sorting by due, self-refresh."""

import time

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "#queue-table tbody tr[data-number]"


def numbers(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(ROWS).evaluate_all("rs => rs.map(r => r.dataset.number)")


def expect_numbers(page, expected: list[str], *, ordered: bool = True, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the queue shows exactly ``expected`` (HTMX swaps arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        got = numbers(page)
        if (got if ordered else sorted(got)) == (expected if ordered else sorted(expected)):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"queue shows {got}, expected {expected}")
        page.wait_for_timeout(100)


def test_filters_search_and_sorting(page, world):
    orders = seed_orders(world)
    n = {k: o.number for k, o in orders.items()}
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=team")
    expect(page.locator(ROWS)).to_have_count(4)
    screenshot(page, "queue-team")

    # the 2-character word 退款 finds the complaint (title and description), nothing else
    page.fill("#filter-q", "退款")
    page.click("#filter-submit")
    expect_numbers(page, [n["refund"]])
    assert "q=" in page.url  # the filter is in the address (hx-push-url), so it survives a reload
    page.reload()
    assert numbers(page) == [n["refund"]]
    assert page.locator("#filter-q").input_value() == "退款"

    # filters (they apply on change, without pressing the button)
    page.goto("/orders/?tab=team")
    page.select_option("#filter-order_type", "install_urban")
    expect_numbers(page, [n["install"]])
    page.select_option("#filter-order_type", "")
    page.select_option("#filter-channel", "counter")
    expect_numbers(page, [n["refund"]])
    page.select_option("#filter-channel", "")
    page.check("#filter-overdue")
    expect_numbers(page, [n["inquiry"]])
    expect(page.locator(f"#order-row-{orders['inquiry'].pk}")).to_have_class("prio-normal row-overdue")
    page.uncheck("#filter-overdue")
    page.select_option("#filter-area", str(world.area_n1.pk))
    # 张三 lives in 和平里: broadband and inquiry
    expect_numbers(page, [n["broadband"], n["inquiry"]], ordered=False)
    page.select_option("#filter-area", "")
    expect_numbers(page, list(n.values()), ordered=False)

    # sorting by due time, both ways
    page.select_option("#filter-sort", "-due_at")
    expect_numbers(page, [n["install"], n["broadband"], n["refund"], n["inquiry"]])
    assert "sort=-due_at" in page.url
    page.select_option("#filter-sort", "due_at")
    expect_numbers(page, [n["inquiry"], n["refund"], n["broadband"], n["install"]])


def test_queue_refreshes_itself(page, world, settings):
    settings.KEFU_QUEUE_POLL_SECONDS = 1
    orders = seed_orders(world)
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=mine")
    expect(page.locator(ROWS)).to_have_count(4)
    marker = page.evaluate("() => { window.__notReloaded = 42; return window.__notReloaded; }")
    assert marker == 42

    customer = orders["refund"].customer
    new = world.order(
        customer, title="燃气表读数异常", description="客户反映表读数跳变", assignee_id=world.agent.pk
    )
    row = page.locator(f"#order-row-{new.pk}")
    expect(row).to_be_visible(timeout=6_000)
    expect(row).to_contain_text("燃气表读数异常")
    expect(page.locator(ROWS)).to_have_count(5)
    expect(page.locator("#tab-mine .count")).to_have_text("5")  # the tab counts follow
    assert page.evaluate("window.__notReloaded") == 42  # refreshed in place, not reloaded

    # an order that leaves the queue disappears the same way
    from kefu.workorders.actions import do_transfer

    do_transfer(world.agent.user, new.pk, to_department_id=world.repair_north.pk, reason="交维修班")
    expect(row).to_have_count(0, timeout=6_000)
    expect(page.locator("#tab-mine .count")).to_have_text("4")
    expect(page.locator("#tab-owned .count")).to_have_text("5")  # still the agent's responsibility
    assert page.evaluate("window.__notReloaded") == 42


def test_pagination(page, world, settings):
    settings.KEFU_PAGE_SIZE = 3
    orders = seed_orders(world)
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=mine&sort=due_at")
    expect(page.locator(ROWS)).to_have_count(3)
    page.click("#page-next")
    expect(page.locator(ROWS)).to_have_count(1)
    assert numbers(page) == [orders["install"].number]  # the latest due is last
    assert page.locator("#page-prev").count() == 1


def test_queue_fits_a_phone(phone_page, world):
    orders = seed_orders(world)
    login(phone_page, "agent", PASSWORD)
    phone_page.goto("/orders/?tab=mine")
    expect(phone_page.locator(ROWS)).to_have_count(4)
    # the wide table scrolls inside its box; the page itself does not scroll sideways
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.evaluate("document.getElementById('queue-body').scrollWidth") > 390
    phone_page.locator(f"#order-row-{orders['refund'].pk} a").first.click()
    expect(phone_page.locator("#order-number")).to_have_text(orders["refund"].number)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "order-phone")

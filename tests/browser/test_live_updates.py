"""Server push (kefu.live) in a real browser against the ASGI server: a transfer shows up in the receiver's
open queue without a reload; the call pop-up and the collision notice arrive by push."""

import time

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, new_context_page, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_transfer_appears_in_the_technicians_open_queue_within_two_seconds(
    asgi_page, browser, asgi_server, world
):
    o = seed_orders(world)["refund"]
    tech = asgi_page
    login(tech, "tech", PASSWORD)
    tech.goto("/orders/?tab=mine")
    expect(tech.locator("#queue-body")).to_be_visible()
    expect(tech.locator(f"#order-row-{o.pk}")).to_have_count(0)
    expect(tech.locator("body")).to_have_attribute("data-live-state", "push")  # the stream is open
    tech.evaluate("window.__notReloaded = true")
    unread_before = int(tech.locator("#notification-count").text_content() or "0")

    agent = new_context_page(browser, asgi_server, "agent", PASSWORD)
    try:
        agent.goto(f"/orders/{o.number}/")
        agent.locator("h1").click()
        agent.keyboard.press("t")
        agent.select_option("#transfer-to_staff", str(world.technician.pk))
        agent.fill("#transfer-reason", "需要上门维修")
        agent.click("#transfer-submit")
        expect(agent.locator("#order-assignee")).to_contain_text("孙师傅")
        start = time.monotonic()
        row = tech.locator(f"#order-row-{o.pk}")
        expect(row).to_be_visible(timeout=2_000)
        assert time.monotonic() - start < 2.0
        expect(row).to_contain_text(o.number)
        # the notification of the transfer reached the bell of the same open page, also without a reload
        expect(tech.locator("#notification-count")).to_have_text(str(unread_before + 1), timeout=2_000)
        expect(tech.locator("#notification-count")).to_be_visible()
        assert (
            tech.evaluate("window.__notReloaded") is True
        )  # the fragment was swapped, the page not reloaded
    finally:
        agent.context.close()

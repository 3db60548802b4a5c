"""Two agents on the same order: "also viewing", then "changed since you opened it"."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from kefu.workorders.models import Presence
from tests.browser.conftest import login, new_context_page, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_collision_notice(page, browser, live_server, world):
    o = seed_orders(world)["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    expect(page.locator("#order-number")).to_have_text(o.number)
    expect(page.locator("#presence-others")).to_have_count(0)
    # the page registers its viewer right away (presence poll on load)
    registered = False
    for _ in range(30):
        if Presence.objects.filter(workorder=o, staff=world.agent).exists():
            registered = True
            break
        page.wait_for_timeout(100)
    assert registered

    other = new_context_page(browser, live_server, "agent2", PASSWORD)
    try:
        other.goto(f"/orders/{o.number}/")
        # the second viewer sees the first at once ...
        expect(other.locator("#presence-others")).to_contain_text("李客服", timeout=3_000)
        # ... and the first sees the second on the next poll (every 5 s)
        expect(page.locator("#presence-others")).to_contain_text("赵客服", timeout=7_000)
        expect(page.locator("#presence-changed")).to_have_count(0)

        other.fill("#reply-body", "您好，退款申请已提交财务，三个工作日内到账。")
        other.check("[data-testid=reply-channel-sms]")
        other.click("#reply-submit")
        expect(other.locator("#timeline [data-kind=reply]")).to_have_count(1)
        # the one who replied is not told that "someone" changed it
        expect(other.locator("#presence-changed")).to_have_count(0)

        changed = page.locator("#presence-changed")
        expect(changed).to_be_visible(timeout=7_000)
        expect(changed).to_contain_text("赵客服")  # last reply by …
        expect(page.locator("#timeline [data-kind=reply]")).to_have_count(0)  # not reloaded by itself
        page.click("#presence-reload")
        expect(page.locator("#timeline [data-kind=reply]")).to_contain_text("三个工作日内到账")
        expect(page.locator("#presence-changed")).to_have_count(0)
    finally:
        other.context.close()

"""Screen pop: a CTI webhook for a call routed to an agent pops the caller's archive in their open console."""

import json
import time

import pytest
from playwright.sync_api import expect

from kefu.customers.models import Contact
from kefu.organization.tokens import create_token
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_webhook_pops_the_caller_within_two_seconds(asgi_page, asgi_server, world):
    page, live_server = asgi_page, asgi_server  # server push: the ASGI server (kefu serve runs ASGI)
    customer = world.customer(name="孙七", phone="13700137000")
    token, _row = create_token(world.admin.user, "cti")
    login(page, "agent", PASSWORD)
    page.goto("/customers/")
    expect(page.locator("#call-pop-bar")).to_have_count(0)
    expect(page.locator("body")).to_have_attribute("data-live-state", "push")  # the stream is open
    # the CTI system posts from outside the browser session (own request context, bearer token)
    resp = page.context.request.post(
        "/api/v1/cti/calls",
        data=json.dumps(
            {
                "call_id": "br-1",
                "caller": "13700137000",
                "line": "12345",
                "event": "ringing",
                "agent": "agent",
            }
        ),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert resp.status == 201, resp.text()
    start = time.monotonic()
    expect(page.locator("#call-pop-customer")).to_have_text("孙七", timeout=2_000)
    assert time.monotonic() - start < 2.0
    expect(page.locator("#call-pop-new-order")).to_be_visible()
    # the call screen: tick the standard steps, write the summary, save → a phone contact of the customer
    page.click("#call-pop-open")
    expect(page.locator("#call-customer")).to_contain_text("孙七")
    for step in ("greet", "rapport", "feeling", "guide", "verify", "close"):
        page.check(f"#step-{step}")
    page.fill("#call-summary", "咨询宽带套餐，已说明资费")
    page.click("#call-log-submit")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/")
    contact = Contact.objects.get(customer=customer, channel="phone", details__call_id="br-1")
    assert all(contact.details["steps"].values()) and contact.summary == "咨询宽带套餐，已说明资费"

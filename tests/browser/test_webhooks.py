"""Browser test of triggers and webhooks: an administrator adds a webhook to a receiver on loopback and a
trigger with the form; an urgent order is assigned by the trigger, the event reaches the receiver, and the
delivery log shows the 500 and the 200 of the retry; a replay goes out again."""

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from kefu.automation import delivery
from kefu.automation.models import Delivery, Trigger, Webhook
from kefu.automation.tests.receiver import receiver
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sets_up_a_webhook_and_a_trigger(page, world, live_server, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "admin", PASSWORD)
    with receiver(statuses=[500]) as rx:
        page.goto("/automation/webhooks/")
        page.fill("#w-name", "ERP")
        page.fill("#w-url", "https://10.0.0.8/hook")
        page.check("input[name=events][value=created]")
        page.click("#webhook-save")
        expect(page.locator("#w-url-error")).to_contain_text("10.0.0.8")
        page.fill("#w-url", rx.url)
        page.check("input[name=events][value=created]")
        page.click("#webhook-save")
        expect(page.locator("#webhook-secret-value")).to_contain_text("whsec_")
        w = Webhook.objects.get()

        page.goto("/automation/triggers/new/")
        page.fill("#t-name", "紧急单派维修")
        page.select_option("#t-event", "created")
        page.select_option("#c-0-field", "priority")
        page.select_option("#c-0-op", "is")
        page.fill("#c-0-value", "urgent")
        page.select_option("#a-0-kind", "assign")
        page.fill("#a-0-value", str(world.technician.pk))
        page.fill("#a-0-text", "紧急单直接派维修")
        screenshot(page, "trigger-form")
        page.click("#trigger-save")
        expect(page.locator("#trigger-list")).to_contain_text("紧急单派维修")
        t = Trigger.objects.get()

        o = world.order(world.customer(), priority="urgent", title="燃气泄漏")
        assert o.assignee_id == world.technician.pk
        delivery.send_due()  # the 500
        d = Delivery.objects.get(webhook=w)
        Delivery.objects.filter(pk=d.pk).update(next_attempt_at=d.next_attempt_at - dt.timedelta(minutes=5))
        delivery.send_due()  # the retry: 200
        assert [json.loads(r.body)["data"]["order"]["number"] for r in rx.requests] == [o.number, o.number]

        page.goto(f"/automation/webhooks/{w.pk}/")
        row = page.locator(f"#delivery-{d.pk}")
        expect(row).to_contain_text("order.created")
        expect(row).to_contain_text("500")
        expect(row).to_contain_text("200")
        screenshot(page, "webhook-delivery-log")
        page.click(f"#replay-{d.pk}")
        expect(page.locator("ul.messages")).to_be_visible()
        assert delivery.send_due() == 1
        assert len(rx.requests) == 3
    page.goto("/automation/triggers/")
    expect(page.locator(f"#trigger-{t.pk}")).to_contain_text("1")

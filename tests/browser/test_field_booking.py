"""Booking a visit (R-38) in Chromium: the agent books a window on the order page (desktop), the customer
opens the link of the confirmation SMS on a phone (390 px), sees who will come and moves the visit to a
later window. Frozen at Wednesday 30 September 2026 09:00 (the day before the National Day holiday)."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from kefu.channels.models import OutboxMessage
from kefu.fieldservice.models import Appointment
from kefu.testing.clock import freeze, sh
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import ARTIFACTS, DOCS_SHOTS, login, screenshot


def element_shot(locator, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of one card, for the user guide (copied with KEFU_UPDATE_SCREENSHOTS=1)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("KEFU_UPDATE_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / f"{name}.png", DOCS_SHOTS / f"{name}.png")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_books_and_customer_reschedules_on_a_phone(
    page, phone_page, world, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the frozen clock is in the past of the browser's
    freeze(monkeypatch, sh(2026, 9, 30, 9, 0))
    world.area_n1.responsible.add(world.technician)
    customer = world.customer("张三", "13800138000", address="和平里东街5号", area_id=world.area_n1.pk)
    order = world.order(customer, title="燃气表更换", area_id=world.area_n1.pk, assignee_id=world.agent.pk)

    # the agent: order page → Visit card → free windows → book Thursday 8 October 08:30
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{order.number}/")
    expect(page.locator("#visit-none")).to_be_visible()
    page.click("#visit-find")
    choose = page.locator("#visit-choose")
    expect(choose).to_be_visible()
    days = choose.locator("legend").all_inner_texts()
    assert days[0].startswith("2026-09-30") and days[1].startswith(
        "2026-10-08"
    )  # the holiday week is skipped
    assert any(d.startswith("2026-10-10") for d in days)  # the make-up Saturday
    page.check("[data-testid=slot-20261008T0030]")
    element_shot(page.locator("#visit-panel"), "fs-agent-booking")
    page.click("#visit-book")
    expect(page.locator("#visit-window")).to_contain_text("2026-10-08 08:30")
    expect(page.locator("#visit-technician")).to_contain_text("孙师傅")
    expect(page.locator("#visit-technician")).to_contain_text(world.technician.badge_no)
    element_shot(page.locator("#visit-panel"), "fs-agent-booked")

    # the customer: the link of the confirmation SMS, on a phone
    sms = OutboxMessage.objects.get(idempotency_key__startswith="appt-confirm:")
    path = re.search(r"https?://[^/\s]+(/portal/visit/\S+/)", sms.body).group(1)  # type: ignore[union-attr]
    phone = phone_page
    phone.goto(path)
    expect(phone.locator("#visit-window")).to_have_text("2026-10-08 08:30–10:00")
    expect(phone.locator("#visit-tech-name")).to_have_text("孙师傅")
    expect(phone.locator("#visit-tech-badge")).to_have_text(world.technician.badge_no)
    expect(phone.locator("#visit-tech-photo")).to_be_visible()  # the placeholder: no photo on file
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("#visit-change")
    expect(phone.locator("#visit-choose")).to_be_visible()
    assert phone.locator("[data-testid=slot-20261008T0030]").count() == 0  # the booked window is not offered
    phone.check("[data-testid=slot-20261009T0600]")  # Friday 9 October 14:00
    screenshot(phone, "fs-customer-choosing")
    phone.click("#visit-submit")
    expect(phone.locator("#visit-window")).to_have_text("2026-10-09 14:00–15:30")
    expect(phone.locator(".messages")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "fs-customer-visit", for_docs=True)

    appt = Appointment.objects.get(order=order)
    assert (appt.status, appt.reschedules, appt.customer_requested_later) == ("confirmed", 1, True)
    assert appt.paused_until == sh(2026, 10, 9, 14, 0)
    assert OutboxMessage.objects.filter(idempotency_key=f"appt-confirm:{appt.pk}:1").exists()

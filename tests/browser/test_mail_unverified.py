"""An e-mail whose sender failed DMARC at our receiving server: the order page warns the agent, in a real
browser (the card above the other panels and the timeline entry)."""

import pytest
from playwright.sync_api import expect

from kefu.channels.mail import inbound as email_in
from kefu.channels.models.mail import Mailbox
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAW = (
    "Authentication-Results: mx.north.example.cn; spf=pass smtp.mailfrom=relay.example; "
    "dmarc=fail (p=reject) header.from=example.com\r\n"
    "From: =?utf-8?b?546L5bCP5piO?= <wang.xm@example.com>\r\n"
    "To: kefu@north.example.cn\r\nSubject: =?utf-8?b?5pS55Zyw5Z2A?=\r\nMessage-ID: <u1@relay.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "请把账单寄到新地址\r\n"
).encode()


def test_order_page_warns_of_an_unverified_sender(page, world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.north.example.cn"]
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn")
    order = email_in.ingest(box, RAW).order
    assert order is not None and order.title == "改地址"
    login(page, "sup", PASSWORD)
    page.goto(f"/orders/{order.number}/")
    badge = page.locator("#order-header [data-testid=header-badge-sender-check]")
    expect(badge).to_have_text(zh("Unverified sender: DMARC failed"))
    badge.click()  # the header badge leads to the card
    card = page.locator("[data-testid=sender-check]")
    expect(card).to_be_in_viewport()
    expect(card).to_be_visible()
    expect(card.locator("h2")).to_have_text(zh("Unverified sender: DMARC failed"))
    expect(card).to_contain_text("wang.xm@example.com")
    expect(card).to_contain_text("mx.north.example.cn: dmarc=fail header.from=example.com")
    expect(page.locator("#timeline [data-testid=mail-unverified]")).to_be_visible()
    expect(page.locator("#timeline [data-testid=mail-unverified]")).to_contain_text("wang.xm@example.com")
    screenshot(page, "order-unverified-sender")

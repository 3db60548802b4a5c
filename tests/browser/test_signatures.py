"""E-mail signatures in Chromium: an agent writes their own signature with the badge-number variable and
sees the preview of both parts; a supervisor also edits the branch's."""

import pytest
from playwright.sync_api import expect

from kefu.channels.models.signatures import EmailSignature
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_sets_a_signature_and_sees_the_preview(page, world):  # type: ignore[no-untyped-def]
    login(page, "agent", PASSWORD)
    page.goto("/signatures/")
    page.fill("#sig-text-me", "{name}（工号 {badge_no}）\n{branch}")
    page.fill("#sig-html-me", "<p><b>{name}</b> 工号 {badge_no}</p><p>{branch}</p>")
    page.click("#signature-save-me")
    preview = page.locator("[data-testid=preview-text]")
    expect(preview).to_contain_text(f"李客服（工号 {world.agent.badge_no}）")
    expect(page.locator("[data-testid=preview-html] b")).to_have_text("李客服")
    assert EmailSignature.objects.get(staff=world.agent).text.startswith("{name}")
    expect(page.locator("[id^=signature-branch-]")).to_have_count(0)
    screenshot(page, "signatures", for_docs=True)
    # an unknown variable is refused next to the field
    page.fill("#sig-text-me", "{phone}")
    page.click("#signature-save-me")
    expect(page.locator("[data-testid=signature-error-text]")).to_contain_text("{phone}")

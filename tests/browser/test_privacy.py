"""Browser test of masking and access records (docs/privacy.md): an agent sees a customer's number masked on the
order page, reveals it with a reason (one HTMX action), and a supervisor then finds that reveal in the
customer's access record."""

import pytest
from playwright.sync_api import expect

from kefu.privacy.models import AccessRecord
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_reveals_a_masked_number_and_the_supervisor_finds_it(page, browser, live_server, world):
    zhang = world.customer("张三", "13812345678", address="和平里东街5号")
    order = world.order(zhang, title="燃气表漏气")
    login(page, "agent", PASSWORD)

    page.goto(f"/orders/{order.number}/")
    phone = page.locator("#customer-phone")
    expect(phone.get_by_test_id("pd-masked")).to_have_text("138****5678")
    expect(phone).not_to_contain_text("13812345678")
    expect(page.locator("#customer-address").get_by_test_id("pd-masked")).to_have_text("和平里东街***")

    phone.get_by_test_id("pd-reveal-open").click()
    # "other" without saying what: the refusal is shown where the agent clicked, nothing is revealed
    phone.get_by_test_id("pd-reason").select_option("other")
    phone.get_by_test_id("pd-reveal").click()
    expect(page.locator("#customer-phone").get_by_test_id("pd-error")).to_be_visible()
    expect(page.locator("#customer-phone")).not_to_contain_text("13812345678")
    phone = page.locator("#customer-phone")
    phone.get_by_test_id("pd-reason").select_option("call_back")
    phone.get_by_test_id("pd-reveal").click()
    revealed = page.locator("#customer-phone").get_by_test_id("pd-value")
    expect(page.locator("#customer-phone").get_by_test_id("pd-recorded")).to_be_visible()
    expect(revealed).to_have_text("13812345678")
    expect(revealed).to_have_attribute("href", "tel:+8613812345678")
    expect(page.locator("#customer-address").get_by_test_id("pd-masked")).to_have_text("和平里东街***")
    screenshot(page, "privacy-reveal")
    assert AccessRecord.objects.filter(kind="reveal", customer=zhang, field="phone").count() == 1

    sup = new_context_page(browser, live_server, "sup", PASSWORD)
    try:
        sup.goto(f"/customers/{zhang.pk}/")
        sup.locator("#customer-access-records").click()
        row = sup.locator('[data-testid="access-row"][data-kind="reveal"]')
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-field", "phone")
        expect(row).to_have_attribute("data-reason", "call_back")
        expect(row).to_contain_text("李客服")
        # the supervisor's own visit of the customer page is on the record too
        expect(sup.locator('[data-testid="access-row"][data-kind="view"]')).to_have_count(1)
        screenshot(sup, "privacy-access-record", for_docs=True)
    finally:
        sup.context.close()

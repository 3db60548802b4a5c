"""A customer on a phone asks for a copy of their data on the portal and downloads it."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kefu.rights.models import RightsRequest
from kefu.testing.factories import PASSWORD, make_portal_customer
from tests.browser.conftest import add_archive, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_requests_a_copy_on_a_phone(phone_page, world, tmp_path: Path):
    page = phone_page
    c = world.customer("周雨桐", "13512345678", email="zhou@example.com", address="和平里东街9号")
    add_archive(world, c)
    world.order(c, title="燃气灶打不着火", description="灶具点火无反应")
    make_portal_customer(world, c)

    login(page, "cust", PASSWORD)
    page.click("#portal-nav-my-data")
    expect(page.locator("#my-data-ask")).to_be_visible()
    expect(page.locator("#my-data-limit")).to_contain_text("15")
    page.select_option("#id_kind", "copy")
    page.click("#my-data-submit")
    page.wait_for_load_state("networkidle")

    r = RightsRequest.objects.get(customer=c)
    assert (r.kind, r.via, r.workorder.channel) == ("copy", "portal", "portal")
    item = page.locator(f"#my-data-request-{r.pk}")
    expect(item).to_contain_text(r.workorder.number)
    expect(item.locator(".my-data-due")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "portal-my-data", for_docs=True)

    with page.expect_download() as info:
        item.locator(".my-data-json").click()
    saved = tmp_path / "copy.json"
    info.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["customer"]["name"] == "周雨桐" and data["customer"]["phone"] == "13512345678"
    assert [o["title"] for o in data["work_orders"]] == ["燃气灶打不着火", r.workorder.title]
    assert len(data["payments"]) == 3

    with page.context.expect_page() as popup:
        item.locator(".my-data-html").click()
    copy = popup.value
    copy.wait_for_load_state("networkidle")
    expect(copy.locator("#copy-customer")).to_contain_text("和平里东街9号")
    expect(copy.locator("#copy-payments tbody tr")).to_have_count(3)
    assert copy.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # the copy's stylesheet loaded
    assert copy.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(copy, "portal-my-data-copy")

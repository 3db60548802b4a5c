"""The hotline agent in Chromium (the pop of a south caller, the hotline search, an order for the south
branch) and image previews of channel media on the console (1280 px) and the portal (390 px)."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from kefu.media.tests.gateway import png
from kefu.organization.tokens import create_token
from kefu.testing.factories import PASSWORD, make_portal_customer, make_staff
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import desktop_page, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hotline_agent_pops_searches_and_registers_for_the_south_branch(
    browser, live_server, world, settings
):
    settings.KEFU_HOTLINE_WRAPUP_MINUTES = 0  # the caller leaves the line when the call ends
    hotline = make_staff("hotline", "hotline", None, grade=2, name="何晓琳")
    south = world.customer(
        name="南客户",
        phone="13800138002",
        branch=world.south,
        address="南湖乡幸福村8号",
        area_id=world.area_s1.pk,
    )
    world.order(south, title="燃气表不走字")
    world.customer(name="北客户", phone="13800138001")
    page = desktop_page(browser, live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "hotline", PASSWORD)
    # a call from the south customer, routed to the hotline agent by the CTI system
    token, _row = create_token(world.admin.user, "cti")

    def cti(event: str) -> None:
        body = {
            "call_id": "hl-b1",
            "caller": "13800138002",
            "line": "96777",
            "event": event,
            "agent": "hotline",
        }
        resp = page.context.request.post(
            "/api/v1/cti/calls",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert resp.status == 201, resp.text()

    cti("ringing")
    page.goto("/hotline/")
    expect(page.locator("#call-pop-customer")).to_have_text("南客户")
    expect(page.locator("#call-pop-branch")).to_have_text("城南分公司")
    screenshot(page, "hotline-pop", for_docs=True)
    # the search across branches, masked, then take the caller on the line
    page.fill("#hotline-q", "客户")
    page.click("#hotline-search button[type=submit]")
    expect(page.locator("#hotline-results tbody tr")).to_have_count(2)
    expect(page.locator(f"#hotline-row-{south.pk}")).to_contain_text("138****8002")
    screenshot(page, "hotline-search", for_docs=True)
    page.click(f"#hotline-take-{south.pk}")
    expect(page).to_have_url(f"{live_server.url}/customers/{south.pk}/")
    page.goto(f"/orders/new/?customer={south.pk}")
    page.select_option("#create-order_type", "fault_general")
    page.fill("#create-title", "厨房燃气味")
    page.fill("#create-description", "客户来电：厨房有燃气味，已关阀门")
    page.click("#create-submit")
    page.wait_for_load_state("networkidle")
    o = WorkOrder.objects.get(title="厨房燃气味")
    assert (o.branch_id, o.owner_id) == (world.south.pk, hotline.pk)
    expect(page.locator("h1")).to_contain_text(o.number)
    # the call ends: the customer leaves the line, the registered order stays with the agent
    cti("ended")
    page.goto("/hotline/")
    page.click("#hotline-end")
    assert page.goto(f"/customers/{south.pk}/").status == 404
    assert page.goto(f"/orders/{o.number}/").status == 200
    page.context.close()


def test_image_preview_on_console_and_portal_phone(browser, live_server, world, phone_page):
    customer = world.customer(name="张三", phone="13800138000")
    o = world.order(customer, title="水表漏水")
    with_photo = png(120, 90)
    from django.db import transaction

    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update().get(pk=o.pk)
        wo_actions.customer_message_on(
            locked, customer, "(Image)", channel="chat", files=[ContentFile(with_photo, name="leak.png")]
        )
    staff = desktop_page(browser, live_server.url)
    staff.set_viewport_size({"width": 1280, "height": 900})
    login(staff, "agent", PASSWORD)
    staff.goto(f"/orders/{o.number}/")
    thumb = staff.locator("#attachments img.thumb")
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 120  # loaded inline under the CSP
    expect(staff.locator("#timeline img.thumb")).to_have_count(1)
    screenshot(staff, "order-image-preview", for_docs=True)
    staff.context.close()
    make_portal_customer(world, customer)
    login(phone_page, "cust", PASSWORD)
    phone_page.goto(f"/portal/orders/{o.number}/")
    pthumb = phone_page.locator("img.thumb")
    expect(pthumb).to_be_visible()
    assert pthumb.evaluate("img => img.complete && img.naturalWidth") == 120
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    screenshot(phone_page, "portal-image-preview")

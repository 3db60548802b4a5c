"""The order page built for working, in Chromium: at 1280×800 and on a 390×844 phone
the reply action is on screen without scrolling, stays there while the page scrolls, and puts the cursor
in the reply box; the header shows how to call the customer and their tier; the transfer list can be
filtered by name and shows each colleague's load."""

import os
import shutil

import pytest
from playwright.sync_api import expect

from kefu.customers.actions import do_override_tier
from kefu.lib.masking import mask_phone
from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from tests.browser.conftest import ARTIFACTS, DOCS_SHOTS, login, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def long_order(world):  # type: ignore[no-untyped-def]
    """A VIP customer's order with a timeline long enough that the page scrolls on any screen."""
    cust = world.customer("王五", "13700137000", address="和平里东街5号3单元", relationship="business")
    do_override_tier(world.supervisor.user, cust.pk, "diamond", "大客户")
    o = world.order(cust, title="燃气表漏气", priority="urgent", area_id=world.area_n1.pk)
    for i in range(8):
        actions.do_reply(
            world.agent.user,
            o.pk,
            f"您好，这是第{i + 1}次答复：师傅已在路上，请保持电话畅通。" * 3,
            channel="sms",
        )
        actions.do_note(world.agent.user, o.pk, f"内部备注{i + 1}：客户情绪稳定，已电话确认地址。")
    for _ in range(3):  # the technician's load: three open orders
        other = world.order(cust, title="检修")
        actions.do_transfer(world.agent.user, other.pk, to_staff_id=world.technician.pk, reason="上门")
    return o


def check_page(pg, o, world) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"/orders/{o.number}/")
    reply = pg.locator("#action-reply")
    expect(reply).to_be_in_viewport()
    # masked for the agent, with its reveal action (docs/privacy.md)
    expect(pg.locator("#customer-phone [data-testid=pd-masked]")).to_have_text("137****7000")
    expect(pg.locator("#customer-phone [data-testid=pd-reveal-open]")).to_be_in_viewport()
    expect(pg.locator("#customer-tier")).to_contain_text(zh("diamond"))
    expect(pg.locator("#customer-tier")).to_be_in_viewport()
    # the page is longer than the screen; at its end the action bar is still there
    assert pg.evaluate("document.documentElement.scrollHeight") > pg.viewport_size["height"] * 2
    pg.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    pg.wait_for_function("window.scrollY > 0")
    expect(reply).to_be_in_viewport()
    pg.evaluate("window.scrollTo(0, 0)")
    # the action puts the cursor in the reply box, on screen
    reply.click()
    body = pg.locator("#reply-body")
    expect(body).to_be_focused()
    expect(body).to_be_in_viewport()
    pg.keyboard.type("您好，师傅十分钟内到。")
    pg.locator("[data-testid=reply-channel-sms]").check()  # a phone order: the agent picks how it goes
    pg.locator("#reply-submit").click()
    expect(pg.locator("#timeline .entry-reply").last).to_contain_text("您好，师傅十分钟内到。")


def test_desktop_reply_in_reach_and_header(page, world):
    o = long_order(world)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "agent", PASSWORD)
    check_page(page, o, world)
    expect(page.locator("#order-priority")).to_have_class("badge prio-urgent")
    expect(page.locator("#order-header")).to_have_class("card order-header order-urgent")


def test_phone_reply_in_reach_and_header(phone_page, world):
    o = long_order(world)
    login(phone_page, "agent", PASSWORD)
    check_page(phone_page, o, world)


def test_transfer_targets_filter_and_load(page, world):
    o = long_order(world)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.locator("#action-transfer").click()
    expect(page.locator("#transfer-section")).to_have_attribute("open", "")
    expect(page.locator("#transfer-filter")).to_be_focused()
    tech = page.locator(f"#transfer-to_staff option[value='{world.technician.pk}']")
    parts = [
        f"孙师傅 ({world.technician.badge_no})",
        zh("field technician"),
        "维修班",
        zh("%(n)d open") % {"n": 3},
    ]
    expect(tech).to_have_text(" · ".join(parts))
    senior = page.locator(f"#transfer-to_staff option[value='{world.agent_senior.pk}']")
    page.keyboard.type("孙")
    expect(senior).to_be_hidden()
    assert tech.evaluate("o => o.hidden") is False
    page.select_option("#transfer-to_staff", str(world.technician.pk))
    page.fill("#transfer-reason", "需要上门检查")
    screenshot(page, "order-transfer")
    page.click("#transfer-submit")
    expect(page.locator("#order-assignee")).to_have_text("孙师傅")


def test_resolve_action_chooses_resolved(page, world):
    o = long_order(world)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.locator("#action-resolve").click()
    expect(page.locator("#status-status")).to_have_value("resolved")
    expect(page.locator("#status-status")).to_be_focused()
    page.fill("#status-resolution", "更换燃气表接头，检测无泄漏")
    page.click("#status-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "resolved")


def test_order_screenshots_on_demo_data(browser, live_server):  # type: ignore[no-untyped-def]
    """docs/screenshots/order.png and order-phone.png: the most urgent open order (of a gold or diamond
    customer if there is one) of a small demo data set, seen by its first-contact owner, with the transfer
    list open."""
    from django.db.models import Case, Count, When

    from kefu.demo import DEMO_PASSWORD, load_demo
    from kefu.workorders.models import WorkOrder
    from tests.browser.conftest import desktop_page

    load_demo(orders=120, customers=40)
    urgent_first = Case(When(priority="urgent", then=0), When(priority="high", then=1), default=2)
    valued_first = Case(When(customer__tier__in=["diamond", "gold"], then=0), default=1)
    o = (
        WorkOrder.objects.filter(status__in=["new", "in_progress", "pending_customer"], branch__code="north")
        .exclude(customer__phone="")
        .exclude(customer__address="")
        .exclude(due_at=None)
        .exclude(owner__role="admin")
        .annotate(n=Count("timeline"), rank=urgent_first, valued=valued_first)
        .filter(n__gte=3)
        .order_by("rank", "valued", "-n", "number")
        .select_related("owner__user", "customer")
        .first()
    )
    assert o is not None
    pg = desktop_page(browser, live_server.url)
    try:
        pg.set_viewport_size({"width": 1280, "height": 800})
        login(pg, o.owner.user.username, DEMO_PASSWORD)
        pg.goto(f"/orders/{o.number}/")
        expect(pg.locator("#action-reply")).to_be_in_viewport()
        expect(pg.locator("#customer-phone [data-testid=pd-masked]")).to_have_text(
            mask_phone(o.customer.phone)
        )
        pg.locator("#action-transfer").click()
        expect(pg.locator("#transfer-filter")).to_be_focused()
        expect(pg.locator("#transfer-to_staff option").nth(1)).to_contain_text(" · ")
        pg.locator("#transfer-filter").blur()
        pg.evaluate("window.scrollTo(0, 0)")
        screenshot(pg, "order", for_docs=True)
        pg.set_viewport_size({"width": 390, "height": 844})
        pg.goto(f"/orders/{o.number}/")
        expect(pg.locator("#action-reply")).to_be_in_viewport()
        pg.wait_for_timeout(200)
        # the phone's first screen as it is (not the whole page): header, then the bar at the bottom
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "order-phone.png"))
        if os.environ.get("KEFU_UPDATE_SCREENSHOTS"):
            shutil.copyfile(ARTIFACTS / "order-phone.png", DOCS_SHOTS / "order-phone.png")
    finally:
        pg.context.close()

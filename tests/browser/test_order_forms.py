"""Order page forms in a real browser: stale edits, status errors, link and merge."""

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from kefu.workorders.models import OrderLink
from tests.browser.conftest import login, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stale_edit_keeps_the_other_change(page, world):
    o = seed_orders(world)["broadband"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.click("#edit-toggle")
    page.fill("#edit-title", "宽带无法上网（我的修改）")
    # meanwhile a colleague changes the order
    actions.do_update_order(world.agent_senior.user, o.pk, {"title": "宽带断线，光猫LOS红灯"})
    page.click("#edit-submit")
    expect(page.locator("#conflict-notice")).to_be_visible()
    expect(page.locator("#order-title")).to_have_text("宽带断线，光猫LOS红灯")
    o.refresh_from_db()
    assert o.title == "宽带断线，光猫LOS红灯"
    # the form kept my text and now carries the new version: submitting again is deliberate and works
    assert page.locator("#edit-title").input_value() == "宽带无法上网（我的修改）"
    assert page.locator("#edit-form input[name=version]").input_value() == str(o.version)
    page.click("#edit-submit")
    expect(page.locator("#order-title")).to_have_text("宽带无法上网（我的修改）")
    expect(page.locator("#conflict-notice")).to_have_count(0)
    o.refresh_from_db()
    assert o.title == "宽带无法上网（我的修改）"


def test_resolve_without_resolution_is_refused(page, world):
    o = seed_orders(world)["broadband"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.select_option("#status-status", "resolved")
    page.click("#status-submit")
    expect(page.locator("#status-resolution-error")).to_be_visible()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "new")
    o.refresh_from_db()
    assert o.status == "new" and o.resolution == ""
    # withdrawing needs a reason, and not "solved"
    page.select_option("#status-status", "closed")
    page.click("#status-submit")
    expect(page.locator("#status-reason-error")).to_be_visible()
    o.refresh_from_db()
    assert o.status == "new"


def test_link_and_merge(page, world):
    orders = seed_orders(world)
    o, dup, rel = orders["broadband"], orders["inquiry"], orders["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.click("#related-toggle")
    page.fill("#link-other", rel.number)
    page.click("#link-submit")
    expect(page.locator("#related-orders")).to_contain_text(rel.number)
    assert (
        OrderLink.objects.filter(source=o, target=rel).exists()
        or OrderLink.objects.filter(source=rel, target=o).exists()
    )

    page.goto(f"/orders/{dup.number}/")
    page.click("#related-toggle")
    page.fill("#merge-survivor", "GD-20000101-999999")  # no such order
    page.fill("#merge-reason", "同一客户同一问题重复登记")
    page.click("#merge-submit")
    expect(page.locator("#merge-survivor-error")).to_be_visible()
    dup.refresh_from_db()
    assert dup.merged_into_id is None and dup.status == "new"
    page.fill("#merge-survivor", o.number)
    page.click("#merge-submit")
    # the survivor's page lists the duplicate; the duplicate is closed and points to it
    expect(page.locator("#order-number")).to_have_text(o.number)
    expect(page.locator("#related-orders")).to_contain_text(dup.number)
    dup.refresh_from_db()
    assert dup.merged_into_id == o.pk and dup.status == "closed"
    page.goto(f"/orders/{dup.number}/")
    expect(page.locator("#merged-into")).to_have_text(o.number)

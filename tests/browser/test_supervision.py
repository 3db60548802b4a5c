"""Accountability in a real browser: a supervisor opens a record (the decision waits for the hearing), the
staff member gives a statement, the supervisor previews the proposal with a mitigating fact and decides."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.supervision import actions
from kefu.supervision.models import AccountabilityRecord
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, new_context_page, screenshot, seed_orders, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statement_then_decision(page, world, browser, live_server):
    orders = seed_orders(world)
    rec = actions.do_record_manual(
        world.inspector.user,
        world.agent.pk,
        "暗访：客户咨询退款，客服让其“去找别人”",
        "serious",
        timezone.now() - dt.timedelta(hours=3),
        order_key=orders["refund"].number,
    )

    login(page, "sup", PASSWORD)
    page.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
    expect(page.locator("#nav-supervision")).to_be_visible()
    page.click("#navgroup-work > summary")  # opening another menu closes the first (kefu.js)
    expect(page.locator("#nav-supervision")).to_be_hidden()
    expect(page.locator("#nav-team")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#nav-team")).to_be_hidden()
    page.click("#navgroup-quality > summary")
    screenshot(page, "main-menu", for_docs=True)
    page.click("#nav-supervision")
    expect(page.locator("#navgroup-quality")).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator("[data-testid=acc-row]")).to_have_count(1)
    page.locator(f"#acc-{rec.pk} a.acc-open").click()
    expect(page.locator("#acc-summary")).to_contain_text("去找别人")
    expect(page.locator("#acc-not-heard")).to_be_visible()
    expect(page.locator("#acc-decide")).to_be_disabled()
    expect(page.locator("#acc-statement-form")).to_have_count(0)

    staff = new_context_page(browser, live_server, "agent", PASSWORD)
    try:
        staff.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
        staff.click("#nav-supervision")
        staff.locator(f"#acc-{rec.pk} a.acc-open").click()
        expect(staff.locator("#acc-decision-form")).to_have_count(0)
        staff.fill("#stmt-statement", "当时系统故障无法办理退款，已向客户道歉，客户表示谅解")
        staff.click("#acc-statement-submit")
        expect(staff.locator("#acc-statement")).to_contain_text("客户表示谅解")
        expect(staff.locator("#acc-statement-form")).to_have_count(0)
        screenshot(staff, "supervision-statement")
    finally:
        staff.context.close()

    page.reload()
    expect(page.locator("#acc-statement")).to_contain_text("客户表示谅解")
    expect(page.locator("#acc-not-heard")).to_have_count(0)
    expect(page.locator("#acc-proposed")).to_have_text(zh("loss of award eligibility"))  # serious
    page.check("#dec-apologised_forgiven")
    page.click("#acc-preview")
    expect(page.locator("#acc-proposed")).to_have_text(zh("warning"))  # one step lighter
    expect(page.locator("#acc-reasons")).to_contain_text(zh("apologised and the customer forgave (lighter)"))
    expect(page.locator("#dec-apologised_forgiven")).to_be_checked()
    page.select_option("#dec-outcome", "warning")
    page.fill("#dec-decision", "情况属实，考虑已道歉并获谅解，给予警告")
    screenshot(page, "supervision-decision", for_docs=True)
    page.click("#acc-decide")
    expect(page.locator("#acc-decision")).to_be_visible()
    expect(page.locator("#acc-decision-form")).to_have_count(0)
    rec = AccountabilityRecord.objects.get(pk=rec.pk)
    assert (rec.status, rec.outcome, rec.proposed_outcome, rec.decided_by_id, rec.apologised_forgiven) == (
        "closed",
        "warning",
        "warning",
        world.supervisor.pk,
        True,
    )

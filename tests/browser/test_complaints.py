"""Customer type and complaint handling in a real browser: the suggested type with its signals, the close
guard, the cause, a handling step, compensation above the limit approved by the supervisor."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from kefu.complaints.models import Compensation, CompensationLimit, ComplaintRecord
from kefu.complaints.taxonomy import ensure_causes
from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from tests.browser.conftest import login, new_context_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agitated_complaint_from_type_to_approved_compensation(page, browser, live_server, world):
    ensure_causes()  # a transactional test flushes the seeded causes
    CompensationLimit.objects.create(branch=world.north, role="agent", amount=Decimal("50"))
    cust = world.customer(name="刘女士", phone="13500135000")
    o = world.order(
        cust, order_type="complaint", title="乱收费", description="你们乱扣费！！马上退钱，骗子公司！"
    )
    actions.do_transition(world.agent.user, o.pk, "in_progress")
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已核实，多收费用退还")

    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    expect(page.locator("#customer-type-current")).to_have_attribute("data-type", "agitated")
    expect(page.locator("#customer-type-signals [data-signal=insult]")).to_contain_text("骗子")
    expect(page.locator("#order-priority")).to_have_class("badge prio-high")

    # closing before the cause is recorded is refused, with the reason on the page
    page.select_option("#status-status", "closed")
    page.click("#status-submit")
    expect(page.locator("#status-form [data-testid=form-error]")).to_have_count(1)
    expect(page.locator("#order-status")).to_have_attribute("data-status", "resolved")

    page.select_option("#complaint-cause-select", label="收费差错")
    page.click("#complaint-classify-submit")
    expect(page.locator("#complaint-cause")).to_have_attribute("data-cause", "billing-error")
    page.click("#step-listen")
    expect(page.locator("#complaint-steps [data-step=listen]")).to_have_class("done")
    page.fill("#compensation-amount", "80")
    page.fill("#compensation-reason", "多扣费用及误工补偿")
    page.click("#compensation-submit")
    expect(page.locator("#complaint-compensations li[data-status=pending]")).to_have_count(1)

    sup = new_context_page(browser, live_server, "sup", PASSWORD)
    try:
        sup.goto("/complaints/")
        comp = Compensation.objects.get(workorder=o)
        expect(sup.locator(f"#pending-{comp.pk}")).to_contain_text("80.00")
        expect(sup.locator("#complaints-by-cause [data-cause=billing-error] .count")).to_have_text("1")
        sup.click(f"#list-approve-{comp.pk}")
        expect(sup.locator(f"#pending-{comp.pk}")).to_have_count(0)
    finally:
        sup.context.close()
    comp.refresh_from_db()
    assert comp.status == "approved" and comp.decided_by == world.supervisor

    page.goto(f"/orders/{o.number}/")
    page.select_option("#status-status", "closed")
    page.click("#status-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "closed")
    assert ComplaintRecord.objects.get(workorder=o).cause.code == "billing-error"

"""The supervisor's escalation inbox in a real browser: filter to the escalations raised by a person,
handle one in the dialog, bulk-acknowledge two; and the user guide's screenshot on the demo data."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from kefu.workorders.models import Escalation
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_handle_in_dialog_and_bulk_acknowledge(page, world):
    orders = [world.order(world.customer(phone=f"1370000{i:04d}"), title=f"燃气表故障{i}") for i in range(4)]
    now = timezone.now()
    autos = [
        actions.escalate(
            o,
            leader=world.supervisor,
            reason="处理时限已过",
            at=now - dt.timedelta(days=2),
            raise_priority=False,
        )
        for o in orders[:2]
    ]
    manual = [actions.do_escalate(world.agent.user, o.pk, f"客户第三次来电{o.pk}") for o in orders[2:]]
    login(page, "sup", PASSWORD)
    page.goto("/orders/escalations/")
    expect(page.locator("[data-testid=escalation-row]")).to_have_count(4)
    # the filter bar submits on change; the URL keeps the filter (bookmarkable)
    page.select_option("#esc-f-kind", "manual")
    page.wait_for_url("**kind=manual**")
    rows = page.locator("[data-testid=escalation-row]")
    expect(rows).to_have_count(2)
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.kind)") == ["manual", "manual"]
    # the row's action opens in a dialog
    one = manual[0]
    page.click(f"#handle-open-{one.pk}")
    dialog = page.locator("#handle-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(orders[2].number)
    page.fill("#handle-response", "已回电客户，明天上门")
    page.click("#handle-submit")
    expect(page.locator(".messages .msg-success")).to_have_count(1)
    expect(page.locator(f"#escalation-{one.pk}")).to_have_count(0)
    assert "kind=manual" in page.url  # back to the filtered list
    one.refresh_from_db()
    assert one.handled_at is not None and one.response == "已回电客户，明天上门"

    # bulk: the two automatic ones, acknowledged with one response
    page.goto("/orders/escalations/?kind=automatic")
    expect(page.locator("[data-testid=escalation-row]")).to_have_count(2)
    page.check(f"#check-{autos[0].pk}")
    page.check(f"#check-{autos[1].pk}")
    expect(page.locator("[data-bulk-count] strong")).to_have_text("2")
    page.fill("#bulk-response", "已督促维修班今日处理")
    page.click("#bulk-submit")
    expect(page.locator(".messages .msg-success")).to_have_count(1)
    expect(page.locator("[data-testid=escalation-row]")).to_have_count(0)
    assert Escalation.objects.filter(pk__in=[e.pk for e in autos], handled_at__isnull=False).count() == 2
    assert AuditRecord.objects.filter(action="order.escalation_handled").count() == 3


def test_escalations_screenshot_on_demo_data(page):
    from kefu.demo import DEMO_PASSWORD, load_demo

    load_demo(customers=80, orders=400)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "sup_north", DEMO_PASSWORD)
    # every escalation of the history, the open ones first
    page.goto("/orders/escalations/?status=all")
    rows = page.locator("[data-testid=escalation-row]")
    assert rows.count() > 5
    # one compact line per row (no text box per row, unlike the page this replaced)
    assert page.locator("#escalations-table textarea").count() == 0
    heights = rows.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 60, heights
    screenshot(page, "escalations", for_docs=True)

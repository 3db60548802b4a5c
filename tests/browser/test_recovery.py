"""Service recovery in a real browser (strict CSP): the leader opens the menu entry, sees the overdue task
highlighted, and finishes it in the dialog with a note."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.surveys.models import RecoveryTask, SatisfactionRecord
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finish_a_recovery_task_in_the_dialog(page, world):
    o = world.order(world.customer(name="刘女士"))
    due = timezone.now() - dt.timedelta(hours=3)
    rec = SatisfactionRecord.objects.create(
        key="browser:1",
        source="survey_sms",
        recorded_at=due - dt.timedelta(hours=48),
        workorder=o,
        customer=o.customer,
        branch_id=o.branch_id,
        csat=1,
        low=True,
        comment="等了一整天",
    )
    t = RecoveryTask.objects.create(
        record=rec, workorder=o, assignee=world.supervisor, created_at=rec.recorded_at, due_at=due
    )
    login(page, "sup", PASSWORD)
    page.click("#navgroup-quality summary")
    page.click("#nav-recovery")
    page.wait_for_url("**/quality/recovery/")
    row = page.locator(f"#recovery-{t.pk}")
    expect(row).to_have_class("row-overdue")
    expect(row).to_contain_text(o.number)
    expect(row).to_contain_text("等了一整天")
    page.click(f"#recovery-open-{t.pk}")
    dialog = page.locator("#recovery-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(o.number)
    page.fill("#recovery-note", "上门致歉并免费检修")
    page.click("#recovery-submit")
    expect(page.locator(".messages .msg-success")).to_have_count(1)
    expect(page.locator(f"#recovery-{t.pk}")).to_have_count(0)  # the open tab
    t.refresh_from_db()
    assert (t.status, t.note) == ("done", "上门致歉并免费检修")
    assert AuditRecord.objects.filter(action="survey.recovery_done", workorder_id=o.pk).count() == 1

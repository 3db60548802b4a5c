"""The service recovery page (/quality/recovery/): the recovery tasks a leader may see, open first, the
overdue ones highlighted in the user's time zone, and the "Done" dialog (``do_finish_recovery``, audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks
from kefu.followup import actions as followup_actions
from kefu.lib import clock
from kefu.notifications.models import Notification
from kefu.organization.models import Staff
from kefu.surveys import actions
from kefu.surveys.models import Invitation, RecoveryTask, SatisfactionRecord
from kefu.surveys.tests.test_satisfaction import answer, resolved
from kefu.testing.factories import World
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

URL = "/quality/recovery/"


def task(
    world: World,
    order: WorkOrder | None,
    *,
    assignee: Staff,
    due: dt.datetime,
    csat: int = 2,
    comment: str = "师傅迟到两小时",
    branch_id: int | None = None,
    n: int = 0,
) -> RecoveryTask:
    rec = SatisfactionRecord.objects.create(
        key=f"test:{order.pk if order else 0}:{n}:{due.isoformat()}",
        source="survey_sms",
        recorded_at=due - dt.timedelta(hours=48),
        workorder=order,
        customer=order.customer if order else None,
        branch_id=branch_id if branch_id is not None else (order.branch_id if order else None),
        csat=csat,
        low=True,
        comment=comment,
    )
    return RecoveryTask.objects.create(
        record=rec, workorder=order, assignee=assignee, created_at=rec.recorded_at, due_at=due
    )


def login(staff: Staff) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(staff.user)
    return c


def test_the_leader_sees_open_tasks_first_with_the_overdue_one_in_their_time_zone(world: World) -> None:
    o = world.order(world.customer(name="刘女士"))
    now = clock.now()
    late = task(world, o, assignee=world.supervisor, due=dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC))
    later = task(world, o, assignee=world.supervisor, due=now + dt.timedelta(hours=5), csat=1, comment="")
    done = task(world, o, assignee=world.supervisor, due=now - dt.timedelta(days=3), n=1)
    done.status, done.done_at, done.note = "done", now, "已上门致歉"
    done.save()
    r = login(world.supervisor).get(URL + "?show=all")
    assert r.status_code == 200
    html = r.content.decode()
    rows = [t.pk for t in r.context["rows"]]
    assert rows == [late.pk, later.pk, done.pk]  # open by due time, then the done one
    assert [t.overdue for t in r.context["rows"]] == [True, False, False]
    assert f'id="recovery-{late.pk}" data-testid="recovery-row" class="row-overdue"' in html
    assert "2026-01-05 10:00" in html  # 02:00 UTC in Asia/Shanghai, the branch's zone
    order_url = reverse("console:order_detail", kwargs={"key": o.number})
    assert f'<a href="{order_url}">{o.number}</a>' in html
    assert "刘女士" in html and "师傅迟到两小时" in html and "2/5" in html and "1/5" in html
    assert f'data-action="/quality/recovery/{late.pk}/done/"' in html
    assert f'data-action="/quality/recovery/{done.pk}/done/"' not in html
    assert 'id="nav-recovery"' in html
    # the default tab shows the open ones only
    r = login(world.supervisor).get(URL)
    assert [t.pk for t in r.context["rows"]] == [late.pk, later.pk]


def test_who_sees_which_task(world: World) -> None:
    north = task(world, world.order(world.customer()), assignee=world.supervisor, due=clock.now())
    south_order = world.order(world.customer(name="南区客户", branch=world.south))
    south = task(world, south_order, assignee=world.supervisor_south, due=clock.now())
    seen = {
        who.user.username: sorted(t.pk for t in login(who).get(URL).context["rows"])
        for who in (world.supervisor, world.supervisor_south, world.admin, world.president, world.agent)
    }
    assert seen == {
        "sup": [north.pk],
        "sup_s": [south.pk],
        "admin": sorted([north.pk, south.pk]),
        "president": sorted([north.pk, south.pk]),  # company level
        "agent": [],
    }


def test_a_leader_of_another_branch_cannot_finish_the_task(world: World) -> None:
    south_order = world.order(world.customer(name="南区客户", branch=world.south))
    t = task(world, south_order, assignee=world.supervisor_south, due=clock.now())
    r = login(world.supervisor).post(f"{URL}{t.pk}/done/", {"note": "打过电话"})
    assert r.status_code == 404
    t.refresh_from_db()
    assert t.status == "open" and t.note == ""
    assert not AuditRecord.objects.filter(action="survey.recovery_done").exists()


def test_done_needs_a_note_then_finishes_and_is_audited(world: World) -> None:
    o = world.order(world.customer())
    t = task(world, o, assignee=world.supervisor, due=clock.now())
    c = login(world.supervisor)
    r = c.post(f"{URL}{t.pk}/done/", {"note": "   ", "next": URL + "?show=open"}, follow=True)
    assert r.redirect_chain[-1][0] == URL + "?show=open"
    assert "Say what was done for the customer." in r.content.decode()
    t.refresh_from_db()
    assert t.status == "open"
    r = c.post(f"{URL}{t.pk}/done/", {"note": "上门致歉，免费检修一次"}, follow=True)
    assert r.status_code == 200 and "Recovery task done." in r.content.decode()
    t.refresh_from_db()
    assert (t.status, t.note) == ("done", "上门致歉，免费检修一次")
    a = AuditRecord.objects.get(action="survey.recovery_done")
    assert a.workorder_id == o.pk
    assert a.after == {"status": "done", "note": "上门致歉，免费检修一次"}
    assert a.customer_id == o.customer_id


def test_a_branch_supervisor_may_finish_a_task_of_their_branch(world: World) -> None:
    # assigned to the president (the owner's leader had left), the answer counts for the north branch
    t = task(world, world.order(world.customer()), assignee=world.president, due=clock.now())
    actions.do_finish_recovery(world.supervisor.user, t.pk, "已回电")
    t.refresh_from_db()
    assert t.status == "done"


@override_settings(KEFU_PAGE_SIZE=50)
def test_the_page_costs_a_fixed_number_of_queries(world: World, django_assert_num_queries: Any) -> None:
    o = world.order(world.customer())
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(30):
        task(world, o, assignee=world.supervisor, due=base + dt.timedelta(hours=i), n=i)
    c = login(world.supervisor)
    c.get(
        URL
    )  # the session's time zone is read once (the session with user, staff, live and bell; count; rows)
    with django_assert_num_queries(3):
        r = c.get(URL)
    assert len(r.context["rows"]) == 30


@override_settings(KEFU_PAGE_SIZE=10)
def test_the_list_is_paginated(world: World) -> None:
    o = world.order(world.customer())
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(12):
        task(world, o, assignee=world.supervisor, due=base + dt.timedelta(hours=i), n=i)
    r = login(world.supervisor).get(URL + "?page=2")
    assert len(r.context["rows"]) == 2
    assert "11–12 / 12" in r.content.decode()


def test_the_leaders_notification_opens_the_recovery_page(world: World) -> None:
    clocks.ensure_defaults()
    followup_actions.ensure_satisfaction_levels()
    o = resolved(world)
    answer(Invitation.objects.get(workorder=o), 1)
    t = RecoveryTask.objects.get(workorder=o)
    n = Notification.objects.get(recipient=world.supervisor, kind="escalation", workorder=o)
    assert n.params["recovery"] == t.pk
    r = login(world.supervisor).post(f"/notifications/{n.pk}/open/")
    assert (r.status_code, r["Location"]) == (302, URL)

"""Console pages of follow-up: the work list (order, scope, overdue, paging, query counts, report), the task
page and its form, the order-page panel and the navigation link."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kefu.commitments import clocks
from kefu.followup import actions
from kefu.followup.models import FollowupTask
from kefu.testing.clock import sh
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
LIST = "/followup/"


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    actions.ensure_satisfaction_levels()


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def resolved(world: Any, customer: Any = None, **kw: Any) -> WorkOrder:
    o = world.order(customer or world.customer(), **kw)
    actor = world.agent if o.branch_id == world.north.pk else world.agent_south
    return do_transition(actor.user, o.pk, "resolved", resolution="已修复")


def rows(resp: Any) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="followup-(\d+)"', resp.content.decode())]


def test_url_names() -> None:
    assert reverse("console:followup_list") == LIST
    assert reverse("console:followup_task", args=[7]) == "/followup/7/"


def test_list_ordered_by_due_time_scoped_and_overdue_highlighted(world: Any) -> None:
    c1 = world.customer()
    a, b = resolved(world, c1), resolved(world, c1)
    ta, tb = FollowupTask.objects.get(workorder=a), FollowupTask.objects.get(workorder=b)
    FollowupTask.objects.filter(pk=ta.pk).update(due_at=sh(2026, 1, 5, 17, 30))  # long overdue
    FollowupTask.objects.filter(pk=tb.pk).update(due_at=sh(2099, 1, 5, 17, 30))
    south = resolved(world, world.customer(name="南方客户", phone="13900139000", branch=world.south))
    ts = FollowupTask.objects.get(workorder=south)
    resp = client_for(world.followup).get(LIST)
    assert resp.status_code == 200
    assert rows(resp) == [ta.pk, tb.pk]  # due first; the south branch's task is not shown
    body = resp.content.decode()
    row_a = body[body.index(f'id="followup-{ta.pk}"') :].split("</tr>")[0]
    row_b = body[body.index(f'id="followup-{tb.pk}"') :].split("</tr>")[0]
    assert "row-overdue" in row_a and "overdue" in row_a and "row-overdue" not in row_b
    assert 'id="nav-followup"' in body and 'aria-current="page"' in body.split('id="nav-followup"')[1][:40]
    # company-level staff see every branch; the south supervisor only theirs
    assert ts.pk in rows(client_for(world.admin).get(LIST, {"show": "open"}))
    assert rows(client_for(world.supervisor_south).get(LIST)) == [ts.pk]
    # the task page of another branch's task is not found
    assert client_for(world.followup).get(f"/followup/{ts.pk}/").status_code == 404


def test_who_sees_the_page(world: Any) -> None:
    assert client_for(world.agent).get(LIST).status_code == 404
    assert client_for(world.technician).get(LIST).status_code == 404
    assert 'id="nav-followup"' not in client_for(world.agent).get("/orders/").content.decode()
    assert client_for(world.supervisor).get(LIST).status_code == 200
    assert Client().get(LIST).status_code == 302  # to the login


def test_mine_shows_own_and_unassigned_and_done_tab(world: Any) -> None:
    from kefu.testing.factories import make_staff

    other = make_staff("followup2", "followup", world.north, name="吴回访")
    c = world.customer()
    t1 = FollowupTask.objects.get(workorder=resolved(world, c))  # → world.followup (lower id)
    t2 = FollowupTask.objects.get(workorder=resolved(world, c))  # → other (least loaded)
    t3 = FollowupTask.objects.get(workorder=resolved(world, c))
    FollowupTask.objects.filter(pk=t3.pk).update(assignee=None)
    assert (t1.assignee_id, t2.assignee_id) == (world.followup.pk, other.pk)
    cl = client_for(world.followup)
    assert set(rows(cl.get(LIST))) == {t1.pk, t3.pk}
    assert set(rows(cl.get(LIST, {"show": "open"}))) == {t1.pk, t2.pk, t3.pk}
    actions.do_record_followup(
        world.followup.user, t1.pk, outcome="reached", solved=True, satisfaction="satisfied"
    )
    assert rows(cl.get(LIST, {"show": "done"})) == [t1.pk]


def test_record_through_the_form_and_panel_on_the_order(world: Any) -> None:
    o = resolved(world, assignee_id=world.technician.pk)
    t = FollowupTask.objects.get(workorder=o)
    cl = client_for(world.followup)
    page = cl.get(f"/followup/{t.pk}/")
    assert page.status_code == 200 and 'id="followup-form"' in page.content.decode()
    bad = cl.post(f"/followup/{t.pk}/", {"outcome": "reached", "solved": "yes"})
    assert bad.status_code == 400 and "Choose how satisfied" in bad.content.decode()
    resp = cl.post(f"/followup/{t.pk}/", {"outcome": "no_answer", "note": "无人接听"})
    assert resp.status_code == 302
    resp = cl.post(
        f"/followup/{t.pk}/",
        {
            "outcome": "reached",
            "solved": "no",
            "satisfaction": "basically_satisfied",
            "comments": "还是偶尔断网",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert "the order was reopened" in resp.content.decode()
    t.refresh_from_db()
    o.refresh_from_db()
    assert t.status == "done" and t.solved is False and t.attempts.count() == 2
    assert o.status == "reopened" and o.assignee_id == o.owner_id == world.agent.pk
    detail = client_for(world.agent).get(f"/orders/{o.number}/").content.decode()
    assert 'id="followup-panel"' in detail and "还是偶尔断网" in detail and "2 attempts" in detail
    assert f'href="/followup/{t.pk}/"' not in detail  # agents do not open follow-up tasks
    assert (
        f'href="/followup/{t.pk}/"' in client_for(world.followup).get(f"/orders/{o.number}/").content.decode()
    )
    # the finished task has no form any more
    assert 'id="followup-form"' not in cl.get(f"/followup/{t.pk}/").content.decode()


def test_report_section_shows_the_numbers(world: Any) -> None:
    c = world.customer()
    t1 = FollowupTask.objects.get(workorder=resolved(world, c))
    t2 = FollowupTask.objects.get(workorder=resolved(world, c))
    actions.do_record_followup(
        world.followup.user, t1.pk, outcome="reached", solved=True, satisfaction="satisfied"
    )
    month = t2.due_at.astimezone(SH).strftime("%Y-%m")  # type: ignore[union-attr]
    body = client_for(world.supervisor).get(LIST, {"month": month}).content.decode()
    assert re.search(r'id="stat-due">2<', body)
    assert re.search(r'id="stat-followed">1<', body)
    assert re.search(r'id="stat-coverage">50%<', body)
    assert re.search(r'id="stat-on-time">1 \(50%\)<', body)
    found = body[body.index('id="followup-findings"') :].split("</dl>")[0]
    assert re.search(r"<dt>满意</dt><dd>1</dd>", found) and re.search(r"<dt>不满意</dt><dd>0</dd>", found)
    assert re.search(r'id="stat-not-solved">0<', body)
    other = client_for(world.supervisor).get(LIST, {"month": "2020-01"}).content.decode()
    assert re.search(r'id="stat-due">0<', other) and re.search(r'id="stat-coverage">—<', other)


def _count(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, {"show": "open"}).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_flat(world: Any, settings: Any, django_assert_max_num_queries: Any) -> None:
    c = world.customer()
    for _ in range(3):
        resolved(world, c)
    cl = client_for(world.followup)
    cl.get(LIST)  # warm the session
    small = _count(cl)
    for _ in range(30):
        resolved(world, c)
    big = _count(cl)
    assert big == small
    with django_assert_max_num_queries(small):
        resp = cl.get(LIST, {"show": "open"})
    assert len(rows(resp)) == 25  # one page
    assert len(rows(cl.get(LIST, {"show": "open", "page": "2"}))) == 8


def test_customer_page_shows_plans_and_follow_ups(world: Any) -> None:
    from kefu.followup.models import FollowupPlan

    c = world.customer(name="华润置地", phone="13700137000")
    plain = world.customer(name="王五", phone="13600136000")
    body = client_for(world.agent).get(f"/customers/{plain.pk}/").content.decode()
    assert 'id="followup-section"' not in body
    FollowupPlan.objects.create(
        customer=c,
        period="quarterly",
        next_visit=dt.date(2026, 12, 1),
        assignee=world.followup,
        note="年度用气安全",
    )
    o = resolved(world, c)
    body = client_for(world.agent).get(f"/customers/{c.pk}/").content.decode()
    section = body[body.index('id="followup-section"') :]
    assert "2026-12-01" in section and "周回访" in section and "年度用气安全" in section
    assert o.number in section


def test_back_office_pages(world: Any) -> None:
    from kefu.followup.models import FollowupPlan, FollowupSettings

    resolved(world)
    actions.sweep_misses(sh(2099, 1, 1, 0, 0))
    FollowupPlan.objects.create(customer=world.customer(), period="yearly", next_visit=dt.date(2027, 1, 4))
    c = client_for(world.admin)
    for model in ("followupsettings", "satisfactionlevel", "followupplan", "followuptask", "followupmiss"):
        assert c.get(f"/admin/followup/{model}/").status_code == 200, model
    t = FollowupTask.objects.get()
    assert c.get(f"/admin/followup/followuptask/{t.pk}/change/").status_code == 200
    assert c.get("/admin/followup/followuptask/add/").status_code == 403
    resp = c.post(
        "/admin/followup/followupsettings/add/",
        {"due_amount": "2", "due_unit": "working_days", "max_attempts": "4", "assignment": "least_loaded"},
    )
    assert resp.status_code == 302
    assert actions.settings_for(world.north.pk).max_attempts == 4
    # a plan's staff member belongs to the customer's branch
    south = world.customer(name="南方客户", phone="13900139000", branch=world.south)
    resp = c.post(
        "/admin/followup/followupplan/add/",
        {
            "customer": south.pk,
            "period": "monthly",
            "next_visit": "2027-01-04",
            "assignee": world.followup.pk,
            "active": "on",
        },
    )
    assert resp.status_code == 200 and not FollowupPlan.objects.filter(customer=south).exists()
    # a second default row is refused
    resp = c.post(
        "/admin/followup/followupsettings/add/",
        {"due_amount": "1", "due_unit": "working_days", "max_attempts": "2", "assignment": "least_loaded"},
    )
    assert resp.status_code == 200 and FollowupSettings.objects.count() == 1


def test_export_of_the_tabs(world: Any) -> None:
    """Each tab exports with the viewer's scope: open tasks by due time, done ones with their outcome and the
    number of attempts."""
    c1 = world.customer()
    a, b = resolved(world, c1, title="=CMD|x"), resolved(world, c1, title="第二单")
    ta, tb = FollowupTask.objects.get(workorder=a), FollowupTask.objects.get(workorder=b)
    FollowupTask.objects.filter(pk=ta.pk).update(due_at=sh(2026, 1, 5, 17, 30))
    FollowupTask.objects.filter(pk=tb.pk).update(due_at=sh(2026, 1, 6, 9, 0))
    resolved(world, world.customer(name="南方客户", phone="13900139000", branch=world.south))
    cl = client_for(world.followup)
    assert 'id="followup-export-csv"' in cl.get(LIST, {"show": "open"}).content.decode()
    open_rows = csv_rows(cl, LIST, show="open")
    assert open_rows[0][:3] == ["Due", "Kind", "Order number"]
    assert [r[2] for r in open_rows[1:]] == [a.number, b.number]  # the north's, by due time
    assert open_rows[1][0] == "2026-01-05 17:30" and open_rows[1][3] == "'=CMD|x"
    cl.post(f"/followup/{tb.pk}/", {"outcome": "no_answer"})
    cl.post(f"/followup/{tb.pk}/", {"outcome": "reached", "solved": "yes", "satisfaction": "satisfied"})
    done = xlsx_sheets(cl, LIST, show="done")["Follow-up"]
    assert len(done) == 2
    assert done[1][2] == b.number and done[1][9] == 2  # two attempts
    assert isinstance(done[1][10], dt.datetime) and done[1][11] == "yes"  # finished, solved
    assert done[1][12] and done[1][13] == "no"  # a satisfaction level; not reopened
    south = csv_rows(client_for(world.supervisor_south), LIST, show="open")
    assert [r[4] for r in south[1:]] == ["南方客户"]

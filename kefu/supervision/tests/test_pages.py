"""Console pages of supervision: branch scoping, filters, paging and flat query counts of the lists, the record
page forms (statement by the staff member, decision by a leader), the order panel, the areas page and the
public disclosure of assignment changes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kefu.supervision import actions
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.supervision.tests.conftest import client_for
from kefu.testing.clock import sh
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.workorders.actions import do_transfer

pytestmark = pytest.mark.django_db
LIST = "/supervision/"


def rows(resp: Any, prefix: str = "acc") -> list[int]:
    return [int(x) for x in re.findall(rf'<tr id="{prefix}-(\d+)"', resp.content.decode())]


def manual(by: Any, staff: Any, at: dt.datetime, **kw: Any) -> AccountabilityRecord:
    return actions.do_record_manual(by.user, staff.pk, kw.pop("summary", "柜台态度差"), "minor", at, **kw)


def test_url_names() -> None:
    assert reverse("console:supervision_list") == LIST
    assert reverse("console:supervision_record", args=[3]) == "/supervision/3/"
    assert reverse("console:supervision_notices") == "/supervision/notices/"
    assert reverse("console:supervision_areas") == "/supervision/areas/"


def test_the_list_links_each_record_to_its_order(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    r = manual(world.inspector, world.agent, sh(2026, 3, 1, 9, 0), order_key=o.number)
    page = client_for(world.supervisor).get(LIST).content.decode()
    row = page[page.index(f'id="acc-{r.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/orders/{o.number}/" class="acc-order">{o.number}</a>' in row


def test_list_scoping_and_filters(world: Any, now: Any) -> None:
    a = manual(world.inspector, world.agent, sh(2026, 3, 1, 9, 0))
    b = manual(world.inspector, world.agent_senior, sh(2026, 3, 1, 10, 0))
    s = manual(world.inspector, world.agent_south, sh(2026, 3, 1, 11, 0))
    assert rows(client_for(world.agent).get(LIST)) == [a.pk]  # only their own
    # the oldest first (all found by a person, all minor)
    assert rows(client_for(world.supervisor).get(LIST)) == [a.pk, b.pk]
    assert rows(client_for(world.supervisor_south).get(LIST)) == [s.pk]
    assert rows(client_for(world.inspector).get(LIST)) == [a.pk, b.pk, s.pk]
    assert rows(client_for(world.admin).get(LIST)) == [a.pk, b.pk, s.pk]
    sup = client_for(world.supervisor)
    assert rows(sup.get(LIST, {"staff": world.agent.pk})) == [a.pk]
    actions.do_give_statement(world.agent.user, a.pk, "说明")
    assert rows(sup.get(LIST, {"status": "heard"})) == [a.pk]
    assert rows(sup.get(LIST, {"type": "breach"})) == []
    # a record one may not see is not found
    assert client_for(world.agent_senior).get(f"/supervision/{a.pk}/").status_code == 404
    assert client_for(world.supervisor_south).get(f"/supervision/{a.pk}/").status_code == 404
    assert client_for(world.agent).get(f"/supervision/{a.pk}/").status_code == 200


def test_list_pages_and_query_count_flat(world: Any, now: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "KEFU_PAGE_SIZE", 25)
    sup = client_for(world.supervisor)
    for i in range(3):
        manual(world.inspector, world.agent, sh(2026, 2, 1, 9, i))
    sup.get(LIST)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        assert sup.get(LIST).status_code == 200
    for i in range(30):
        o = world.order(world.customer(phone=f"1390000{i:04d}"))
        manual(
            world.inspector,
            world.agent_senior if i % 2 else world.agent,
            sh(2026, 2, 2, 9, i),
            order_key=o.number,
        )
    with CaptureQueriesContext(connection) as many:
        resp = sup.get(LIST)
    assert len(rows(resp)) == 25
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(rows(sup.get(LIST, {"page": 2}))) == 8
    # the notice list too
    o = world.order(world.customer(phone="13700000000"))
    actions.do_issue_notice(world.supervisor.user, o.number, "督办一", sh(2026, 3, 5, 9, 0))
    with CaptureQueriesContext(connection) as few:
        assert len(rows(sup.get("/supervision/notices/"), "notice")) == 1
    for i in range(5):
        o = world.order(world.customer(phone=f"1370000{i + 1:04d}"))
        actions.do_issue_notice(world.inspector.user, o.number, f"督办{i}", sh(2026, 3, 5, 9, i))
    with CaptureQueriesContext(connection) as many:
        assert len(rows(sup.get("/supervision/notices/"), "notice")) == 6
    assert len(many) == len(few)


def test_statement_and_decision_forms(world: Any, now: Any) -> None:
    rec = manual(world.inspector, world.agent, sh(2026, 3, 1, 9, 0))
    url = f"/supervision/{rec.pk}/"
    sup, agent = client_for(world.supervisor), client_for(world.agent)
    page = sup.get(url).content.decode()
    assert 'id="acc-decision-form"' in page and 'id="acc-statement-form"' not in page
    assert 'id="acc-not-heard"' in page and "minor violation: a warning" in page
    # the supervisor cannot slip in a statement, nor decide before the hearing
    assert sup.post(url, {"form": "statement", "statement": "x"}).status_code == 404
    resp = sup.post(url, {"form": "decision", "severity": "minor", "outcome": "warning", "decision": "属实"})
    assert resp.status_code == 400 and "must be heard first" in resp.content.decode()
    page = agent.get(url).content.decode()
    assert 'id="acc-statement-form"' in page and 'id="acc-decision-form"' not in page
    resp = agent.post(url, {"form": "statement", "statement": "客户已原谅"})
    assert resp.status_code == 302
    assert (
        agent.post(
            url, {"form": "decision", "outcome": "none", "decision": "x", "severity": "minor"}
        ).status_code
        == 404
    )
    # preview with mitigation, then decide
    resp = sup.post(
        url,
        {
            "form": "decision",
            "severity": "grave",
            "apologised_forgiven": "on",
            "outcome": "warning",
            "decision": "",
            "preview": "1",
        },
    )
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "apologised and the customer forgave (lighter)" in body
    assert re.search(r'id="acc-proposed">loss of award eligibility<', body)
    resp = sup.post(
        url,
        {
            "form": "decision",
            "severity": "grave",
            "apologised_forgiven": "on",
            "outcome": "no_award",
            "decision": "态度问题属实，已道歉",
            "decide": "1",
        },
    )
    assert resp.status_code == 302
    rec.refresh_from_db()
    assert (rec.status, rec.outcome, rec.proposed_outcome, rec.apologised_forgiven) == (
        "closed",
        "no_award",
        "no_award",
        True,
    )
    page = agent.get(url).content.decode()
    assert 'id="acc-outcome">loss of award eligibility' in page and "acc-decision-form" not in page


def test_manual_form(world: Any, now: Any) -> None:
    insp = client_for(world.inspector)
    assert client_for(world.agent).get("/supervision/new/").status_code == 404
    resp = insp.post(
        "/supervision/new/",
        {
            "staff": world.agent.pk,
            "occurred_at": "2026-03-01T09:00",
            "severity": "serious",
            "summary": "暗访发现推诿",
        },
    )
    assert resp.status_code == 302
    rec = AccountabilityRecord.objects.get()
    assert resp["Location"] == f"/supervision/{rec.pk}/"
    assert (rec.staff, rec.severity, rec.created_by) == (world.agent, "serious", world.inspector)


def test_order_panel_notice_and_sent_away(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    tr = do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="不归我管")
    order_url = reverse("console:order_detail", args=[o.number])
    sup = client_for(world.supervisor)
    page = sup.get(order_url).content.decode()
    assert (
        'id="supervision-panel"' in page
        and f'id="sent-away-{tr.pk}"' in page
        and 'id="notice-issue-form"' in page
    )
    # agents see no panel while there is nothing for them
    assert 'id="supervision-panel"' not in client_for(world.agent_senior).get(order_url).content.decode()
    resp = sup.post(
        f"/supervision/notices/order/{o.number}/", {"due_at": "2026-03-03T17:00", "text": "今天内处理"}
    )
    assert resp.status_code == 302
    n = SupervisionNotice.objects.get()
    assert n.due_at == sh(2026, 3, 3, 17, 0)
    page = client_for(world.agent).get(order_url).content.decode()
    assert f'id="supervision-notice-{n.pk}"' in page and f'id="notice-answer-submit-{n.pk}"' in page
    assert (
        client_for(world.agent).post(f"/supervision/notices/{n.pk}/answer/", {"answer": "已上门"}).status_code
        == 302
    )
    n.refresh_from_db()
    assert n.status == "answered"
    resp = sup.post(f"/supervision/transfers/{tr.pk}/sent-away/", {"note": "推诿客户", "order": o.number})
    rec = AccountabilityRecord.objects.get(kind="sent_away")
    assert resp["Location"] == f"/supervision/{rec.pk}/"
    page = sup.get(order_url).content.decode()
    assert f'id="sent-away-{tr.pk}"' not in page and "reported as sending away" in page
    assert (
        client_for(world.supervisor_south)
        .post(f"/supervision/transfers/{tr.pk}/sent-away/", {"note": "x"})
        .status_code
        == 404
    )


def test_areas_page_load_warnings_and_disclosure(world: Any, now: Any) -> None:
    # 和平里 4,200 urban households, 北苑 3,900: one person for both is 1.80 of the guidance
    actions.do_assign_area(world.supervisor.user, world.area_n1.pk, [world.agent.pk], dt.date(2026, 3, 1))
    actions.do_assign_area(world.supervisor.user, world.area_n2.pk, [world.agent.pk], dt.date(2026, 3, 1))
    sup = client_for(world.supervisor)
    page = sup.get("/supervision/areas/").content.decode()
    assert 'id="area-n1"' in page and 'id="area-s1"' not in page  # branch-scoped
    assert re.search(
        rf'<tr id="load-staff-{world.agent.pk}" class="row-overdue"><td>李客服</td><td>8100</td><td>1.80',
        page,
    )
    assert 'id="area-warnings"' in page
    assert client_for(world.agent).get("/supervision/areas/").status_code == 404
    # split 和平里 between two: 2,100 each; the agent keeps 北苑: 2100/4500 + 3900/4500 = 1.33, still over
    resp = sup.post(
        "/supervision/areas/",
        {
            "area": world.area_n1.pk,
            "staff": [world.agent.pk, world.agent_senior.pk],
            "from_date": "2026-04-01",
            "published": "on",
        },
    )
    assert resp.status_code == 302
    page = sup.get("/supervision/areas/").content.decode()
    assert re.search(
        rf'<tr id="load-staff-{world.agent_senior.pk}" class=""><td>赵客服</td><td>2100</td><td>0.47', page
    )
    # the south supervisor cannot change the north's areas
    resp = client_for(world.supervisor_south).post(
        "/supervision/areas/",
        {"area": world.area_n1.pk, "staff": [world.agent_south.pk], "from_date": "2026-04-01"},
    )
    assert resp.status_code == 404
    anon = Client()
    anon.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    public = anon.get("/disclosure/").content.decode()
    changes = re.findall(r'<li data-testid="area-change">([^<]*)</li>', public)
    assert (
        f"城北分公司 · 和平里片区: 赵客服 (Badge number {world.agent_senior.badge_no}) from 2026-04-01"
        in [" ".join(c.split()) for c in changes]
    )


def test_back_office_lists_are_read_only(world: Any, now: Any) -> None:
    manual(world.inspector, world.agent, sh(2026, 3, 1, 9, 0))
    c = client_for(world.admin)
    for model in ("accountabilityrecord", "supervisionnotice", "areaassignment"):
        assert c.get(f"/admin/supervision/{model}/").status_code == 200
    assert c.get("/admin/supervision/accountabilityrecord/add/").status_code == 403


def test_areas_page_query_count_flat(world: Any, now: Any) -> None:
    from kefu.organization.models import ServiceArea

    sup = client_for(world.supervisor)
    sup.get("/supervision/areas/")
    with CaptureQueriesContext(connection) as few:
        assert sup.get("/supervision/areas/").status_code == 200
    for i in range(6):
        a = ServiceArea.objects.create(branch=world.north, code=f"x{i}", name=f"新区{i}", households=1000 * i)
        actions.do_assign_area(world.supervisor.user, a.pk, [world.agent.pk], dt.date(2026, 1, 1))
        actions.do_assign_area(world.supervisor.user, a.pk, [world.agent_senior.pk], dt.date(2026, 2, 1))
    with CaptureQueriesContext(connection) as many:
        page = sup.get("/supervision/areas/").content.decode()
    assert page.count('class="area-history"') == 6
    assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]


def test_exports_follow_the_filters_and_scoping(world: Any, now: Any) -> None:
    """Accountability records, supervision notices and service areas export to CSV and XLSX with the page's
    filters and the viewer's scope; text that a spreadsheet would run as a formula is neutralised."""
    a = manual(world.inspector, world.agent, sh(2026, 3, 1, 9, 0), summary="=HYPERLINK(1)")
    manual(world.inspector, world.agent_senior, sh(2026, 3, 1, 10, 0), summary="迟到")
    manual(world.inspector, world.agent_south, sh(2026, 3, 1, 11, 0), summary="南区")
    actions.do_give_statement(world.agent.user, a.pk, "堵车")
    sup = client_for(world.supervisor)
    assert 'id="acc-export-csv"' in sup.get(LIST).content.decode()
    rows_ = csv_rows(sup, LIST)
    assert rows_[0][:4] == ["Occurred at", "Kind", "Severity", "Staff member"]
    assert [r[3] for r in rows_[1:]] == ["赵客服", "李客服"]  # newest first, the north only
    mine = csv_rows(sup, LIST, staff=world.agent.pk, status="heard")
    assert len(mine) == 2
    assert mine[1][0] == "2026-03-01 09:00" and mine[1][7] == "'=HYPERLINK(1)" and mine[1][10] == "堵车"
    sheets = xlsx_sheets(sup, LIST, staff=world.agent.pk)
    ((title, xrows),) = sheets.items()
    assert title == "Accountability" and xrows[1][0] == dt.datetime(2026, 3, 1, 9, 0)
    assert xrows[1][7] == "'=HYPERLINK(1)"
    assert [r[3] for r in csv_rows(client_for(world.agent), LIST)[1:]] == ["李客服"]  # their own only

    o = world.order(world.customer(), title="督办的工单")
    actions.do_issue_notice(world.supervisor.user, o.pk, "今天内处理", sh(2026, 3, 3, 17, 0))
    notices = csv_rows(sup, "/supervision/notices/", show="open")
    assert [r[:2] for r in notices[1:]] == [[o.number, "督办的工单"]] and notices[1][5] == "2026-03-03 17:00"
    assert csv_rows(client_for(world.supervisor_south), "/supervision/notices/")[1:] == []
    assert csv_rows(sup, "/supervision/notices/", show="answered")[1:] == []

    # 和平里 4,200 urban households and 北苑 3,900, both to one person: 8,100 households, 1.80 of the guidance
    actions.do_assign_area(world.supervisor.user, world.area_n1.pk, [world.agent.pk], dt.date(2026, 3, 1))
    actions.do_assign_area(world.supervisor.user, world.area_n2.pk, [world.agent.pk], dt.date(2026, 3, 1))
    areas = csv_rows(sup, "/supervision/areas/")
    assert areas[0][:5] == ["Service area", "Code", "Branch", "Kind", "Households"]
    by_code = {r[1]: r for r in areas[1:]}
    assert "s1" not in by_code and by_code["n1"][4:9] == ["4200", "李客服", "4200", "4500", "no"]
    sheets = xlsx_sheets(sup, "/supervision/areas/")
    assert list(sheets) == ["Service areas", "Responsible staff"]
    assert sheets["Responsible staff"][1][0] == "李客服"
    assert sheets["Responsible staff"][1][2:4] == [8100, 1.8]

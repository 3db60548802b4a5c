"""The supervisors' inboxes: escalations, extension requests, 督办 notices and
accountability records — filters from GET parameters, sort, grouping of automatic escalations per order,
bulk actions with partial failure and branch permissions, and flat query budgets with 50 rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks
from kefu.commitments.models import ExtensionRequest, OrderClock
from kefu.supervision import actions as sv
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders import actions
from kefu.workorders.models import Escalation, WorkOrder

pytestmark = pytest.mark.django_db
ESC = "/orders/escalations/"
EXT = "/orders/extensions/"
ACC = "/supervision/"
NOTICES = "/supervision/notices/"


@pytest.fixture(autouse=True)
def _default_limits(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 3, 2, 9, 0))  # a Monday


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def ids(resp: Any, prefix: str) -> list[int]:
    assert resp.status_code == 200
    return [int(x) for x in re.findall(rf'<tr id="{prefix}-(\d+)"', resp.content.decode())]


def auto(o: WorkOrder, leader: Any, at: dt.datetime, reason: str = "处理时限已过") -> Escalation:
    """An escalation raised by the system (as the breach sweep does)."""
    return actions.escalate(o, leader=leader, reason=reason, at=at, raise_priority=False)


def order(world: Any, phone: str, **kw: Any) -> WorkOrder:
    return world.order(world.customer(phone=phone), **kw)


def messages_of(resp: Any) -> list[str]:
    return [str(m) for m in resp.context["messages"]]


# --- escalations --------------------------------------------------------------------------------------------


def test_escalations_default_sort_grouping_and_filters(world: Any, now: FakeClock) -> None:
    a = order(world, "13700000001", title="燃气表读数不准")
    b = order(world, "13700000002", title="宽带断网")
    c = order(world, "13700000003", title="水压低", priority="urgent")
    old = [auto(a, world.supervisor, sh(2026, 2, 20, 9, i)) for i in range(3)]  # 3 automatic on one order
    urgent_auto = auto(c, world.supervisor, sh(2026, 2, 27, 9, 0))
    now.set(sh(2026, 3, 1, 9, 0))
    manual = actions.do_escalate(world.agent.user, b.pk, "客户要求经理回电")
    now.set(sh(2026, 3, 2, 9, 0))
    sup = client_for(world.supervisor)
    # manual first, then the urgent order, then the oldest; a's three automatic ones are one row (the latest)
    assert ids(sup.get(ESC), "escalation")[:3] == [manual.pk, urgent_auto.pk, old[2].pk]
    page = sup.get(ESC).content.decode()
    row = page[page.index(f'<tr id="escalation-{old[2].pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="group-count">×3<' in row and 'data-kind="automatic"' in row
    assert f'value="{old[0].pk},{old[1].pk},{old[2].pk}"' not in row  # the latest first
    assert f'value="{old[2].pk},{old[1].pk},{old[0].pk}"' in row  # one checkbox selects the group
    assert all(f'<li id="escalation-{e.pk}">' in row for e in old)  # expandable
    # filters, bookmarkable as GET parameters
    assert ids(sup.get(ESC, {"kind": "manual"}), "escalation") == [manual.pk]
    assert ids(sup.get(ESC, {"kind": "automatic"}), "escalation")[:2] == [urgent_auto.pk, old[2].pk]
    assert ids(sup.get(ESC, {"age": "1d"}), "escalation") == []
    assert ids(sup.get(ESC, {"age": "3d"}), "escalation") == [manual.pk]
    assert ids(sup.get(ESC, {"age": "7d"}), "escalation") == [urgent_auto.pk]
    assert old[2].pk in ids(sup.get(ESC, {"age": "older"}), "escalation")
    assert ids(sup.get(ESC, {"priority": "urgent"}), "escalation") == [urgent_auto.pk]
    assert ids(sup.get(ESC, {"branch": world.north.pk, "kind": "manual"}), "escalation") == [manual.pk]
    # a branch the viewer does not work in is ignored, not offered
    south = client_for(world.supervisor_south).get(ESC, {"branch": world.north.pk})
    assert 'id="esc-f-branch"' not in south.content.decode()  # one branch: no choice to offer
    # sortable columns: by age (oldest first, the group by its oldest), reversed with "-"
    assert ids(sup.get(ESC, {"sort": "age"}), "escalation")[:3] == [old[2].pk, urgent_auto.pk, manual.pk]
    assert ids(sup.get(ESC, {"sort": "-age"}), "escalation")[:3] == [manual.pk, urgent_auto.pk, old[2].pk]
    # status: handled ones are listed under "handled"
    actions.do_handle_escalation(world.supervisor.user, manual.pk, "已回电")
    assert manual.pk not in ids(sup.get(ESC), "escalation")
    assert ids(sup.get(ESC, {"status": "handled"}), "escalation") == [manual.pk]


def test_bulk_acknowledge_partial_failure_and_other_branch(world: Any, now: FakeClock) -> None:
    n1, n2 = order(world, "13700000011"), order(world, "13700000012")
    s1 = world.order(world.customer(phone="13700000013", branch=world.south), actor=world.agent_south)
    e1 = actions.do_escalate(world.agent.user, n1.pk, "一")
    e2 = auto(n2, world.supervisor, sh(2026, 3, 1, 9, 0))
    es = actions.do_escalate(world.agent_south.user, s1.pk, "南区")
    assert es.leader == world.supervisor_south
    sup = client_for(world.supervisor)
    resp = sup.post(
        f"{ESC}bulk/",
        {"action": "acknowledge", "ids": [f"{e1.pk}", f"{e2.pk},{es.pk}"], "response": "已处理", "next": ESC},
        follow=True,
    )
    # the other branch's order stays unnamed: its number is not shown to someone who may not see it
    assert messages_of(resp) == ["Handled: 2 of 3.", f"Not done (1 of 3): #{es.pk}: Work order not found."]
    e1.refresh_from_db()
    e2.refresh_from_db()
    es.refresh_from_db()
    assert e1.handled_at and e2.handled_at and es.handled_at is None  # the south one untouched
    assert AuditRecord.objects.filter(action="order.escalation_handled").count() == 2  # one per record
    # an empty response fails each record with the use case's reason, nothing changes
    e3 = actions.do_escalate(world.agent.user, n1.pk, "再次")
    resp = sup.post(f"{ESC}bulk/", {"action": "acknowledge", "ids": [e3.pk], "response": " "}, follow=True)
    assert f"Not done (1 of 1): {n1.number}: The text is empty." in messages_of(resp)
    e3.refresh_from_db()
    assert e3.handled_at is None


def test_bulk_assign_transfers_each_order_once(world: Any, now: FakeClock) -> None:
    o = order(world, "13700000021")
    group = [auto(o, world.supervisor, sh(2026, 3, 1, 9, i)) for i in range(2)]
    sup = client_for(world.supervisor)
    resp = sup.post(
        f"{ESC}bulk/",
        {
            "action": "assign",
            "ids": [",".join(str(e.pk) for e in group)],
            "to_staff": world.technician.pk,
            "response": "请师傅今天上门",
        },
        follow=True,
    )
    assert "Assigned and handled: 2 of 2." in messages_of(resp)
    o.refresh_from_db()
    assert o.assignee_id == world.technician.pk and not o.escalated
    assert o.transfers.count() == 1


# --- extension requests ------------------------------------------------------------------------------------


def _extension(world: Any, phone: str, by: Any, branch: Any = None) -> ExtensionRequest:
    cust = world.customer(phone=phone, **({"branch": branch} if branch else {}))
    o = world.order(cust, order_type="install_urban", actor=by)
    c = OrderClock.objects.filter(workorder=o, kind="resolution").first()
    assert c is not None
    return clocks.do_request_extension(by.user, c.pk, 2, "光缆未到")


def test_extensions_bulk_decide_with_one_reason(world: Any, now: FakeClock) -> None:
    r1 = _extension(world, "13700000031", world.agent)
    r2 = _extension(world, "13700000032", world.agent)
    rs = _extension(world, "13700000033", world.agent_south, world.south)
    sup = client_for(world.supervisor)
    assert sorted(ids(sup.get(EXT), "extension-row")) == sorted([r1.pk, r2.pk])
    assert ids(client_for(world.supervisor_south).get(EXT), "extension-row") == [rs.pk]
    resp = sup.post(
        f"{EXT}bulk/", {"decision": "reject", "ids": [r1.pk, rs.pk], "note": "材料不全"}, follow=True
    )
    assert messages_of(resp) == ["Rejected: 1 of 2.", f"Not done (1 of 2): #{rs.pk}: Work order not found."]
    r1.refresh_from_db()
    rs.refresh_from_db()
    assert (r1.status, r1.decision_note, rs.status) == ("rejected", "材料不全", "pending")
    assert ids(sup.get(EXT), "extension-row") == [r2.pk]
    assert ids(sup.get(EXT, {"status": "rejected"}), "extension-row") == [r1.pk]
    # no decision chosen is not a rejection
    resp = sup.post(f"{EXT}bulk/", {"ids": [r2.pk]}, follow=True)
    assert "Choose whether to approve or reject the request." in messages_of(resp)


# --- accountability records and notices ------------------------------------------------------------------------


def test_records_bulk_decide_and_filters(world: Any, now: FakeClock) -> None:
    at = sh(2026, 2, 1, 9, 0)
    a = sv.do_record_manual(world.inspector.user, world.agent.pk, "态度差", "minor", at)
    b = sv.do_record_manual(world.inspector.user, world.agent_senior.pk, "未回电", "grave", at)
    s = sv.do_record_manual(world.inspector.user, world.agent_south.pk, "南区", "minor", at)
    now.set(sh(2026, 3, 8, 9, 0))  # the statement time has passed: a leader may decide
    sup = client_for(world.supervisor)
    assert ids(sup.get(ACC), "acc") == [b.pk, a.pk]  # the gravest first
    assert ids(sup.get(ACC, {"priority": "minor"}), "acc") == [a.pk]
    assert ids(sup.get(ACC, {"kind": "automatic"}), "acc") == []
    assert ids(client_for(world.inspector).get(ACC, {"branch": world.south.pk}), "acc") == [s.pk]
    resp = sup.post(
        f"{ACC}bulk/",
        {"action": "decide", "outcome": "proposed", "decision": "批评教育", "ids": [a.pk, b.pk, s.pk]},
        follow=True,
    )
    msgs = messages_of(resp)
    assert "Decided: 2 of 3." in msgs
    assert any(f"#{s.pk}: Accountability record not found." in m for m in msgs)
    a.refresh_from_db()
    b.refresh_from_db()
    s.refresh_from_db()
    assert (a.status, a.outcome, b.outcome, b.penalty) == ("closed", "warning", "criticism", 200)
    assert s.status == "open"
    assert AuditRecord.objects.filter(action="accountability.decide").count() == 2
    assert ids(sup.get(ACC), "acc") == []
    assert ids(sup.get(ACC, {"status": "closed", "sort": "severity"}), "acc") == [b.pk, a.pk]


def test_notices_bulk_answer_and_assign(world: Any, now: FakeClock) -> None:
    o1 = order(world, "13700000041", assignee_id=world.agent.pk)
    o2 = order(world, "13700000042", priority="urgent")
    n1 = sv.do_issue_notice(world.supervisor.user, o1.pk, "今天内处理", sh(2026, 3, 3, 17, 0))
    n2 = sv.do_issue_notice(world.supervisor.user, o2.pk, "尽快上门", sh(2026, 3, 4, 17, 0))
    sup = client_for(world.supervisor)
    assert ids(sup.get(NOTICES), "notice") == [n2.pk, n1.pk]  # the urgent order first
    assert ids(sup.get(NOTICES, {"sort": "due"}), "notice") == [n1.pk, n2.pk]
    # the issuer may not answer their own notice: each fails with the use case's reason
    resp = sup.post(f"{NOTICES}bulk/", {"action": "answer", "ids": [n1.pk], "answer": "好"}, follow=True)
    assert any("Only the people working on the order" in m for m in messages_of(resp))
    resp = sup.post(
        f"{NOTICES}bulk/",
        {"action": "assign", "ids": [n1.pk, n2.pk], "to_staff": world.technician.pk, "answer": "请上门"},
        follow=True,
    )
    assert "Assigned: 2 of 2." in messages_of(resp)
    resp = client_for(world.agent).post(
        f"{NOTICES}bulk/", {"action": "answer", "ids": [n1.pk, n2.pk], "answer": "已安排上门"}, follow=True
    )
    assert "Answered: 2 of 2." in messages_of(resp)
    assert SupervisionNotice.objects.filter(status="answered").count() == 2
    assert ids(sup.get(NOTICES, {"status": "answered"}), "notice") == [n2.pk, n1.pk] or ids(
        sup.get(NOTICES, {"status": "answered"}), "notice"
    ) == [n1.pk, n2.pk]


# --- query budgets ------------------------------------------------------------------------------------------


def _count(c: Client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as q:
        assert c.get(url).status_code == 200
    return len(q), [x["sql"][:120] for x in q.captured_queries]


BUDGET = 16  # session, user, staff, the page's rows and counts, branches, people, messages …


def test_inbox_pages_query_budget_with_50_rows(world: Any, now: FakeClock) -> None:
    sup = client_for(world.supervisor)
    first = order(world, "13800000000")
    auto(first, world.supervisor, sh(2026, 3, 1, 8, 0))
    auto(first, world.supervisor, sh(2026, 3, 1, 8, 1))  # a group: its members are one query
    sv.do_record_manual(world.inspector.user, world.agent.pk, "x", "minor", sh(2026, 2, 1, 9, 0))
    sv.do_issue_notice(world.supervisor.user, first.pk, "督办", sh(2026, 3, 5, 9, 0))
    _extension(world, "13800000001", world.agent)
    pages = [ESC, EXT, ACC, NOTICES]
    for url in pages:
        sup.get(url)  # warm up the session
    few = {url: _count(sup, url)[0] for url in pages}
    for i in range(2, 52):
        o = order(world, f"138{i:08d}")
        # every other order has a group of two automatic escalations, the others a manual one
        if i % 2:
            auto(o, world.supervisor, sh(2026, 3, 1, 8, i))
            auto(o, world.supervisor, sh(2026, 3, 1, 9, i))
        else:
            actions.do_escalate(world.agent.user, o.pk, f"升级{i}")
        sv.do_record_manual(world.inspector.user, world.agent.pk, f"违规{i}", "minor", sh(2026, 2, 1, 9, i))
        sv.do_issue_notice(world.supervisor.user, o.pk, f"督办{i}", sh(2026, 3, 5, 9, i))
        _extension(world, f"139{i:08d}", world.agent)
    for url in pages:
        resp = sup.get(url)
        prefix = {ESC: "escalation", EXT: "extension-row", ACC: "acc", NOTICES: "notice"}[url]
        assert len(ids(resp, prefix)) == 50, url
        n, sql = _count(sup, url)
        assert n == few[url], (url, sql)  # flat: no query per row
        assert n <= BUDGET, (url, n, sql)
    assert AccountabilityRecord.objects.count() == 51 and ExtensionRequest.objects.count() == 51

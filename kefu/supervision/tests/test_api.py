"""/api/v1/accountability and /api/v1/supervision-notices: read-only, with the console's scope, filters,
paging, a fixed number of queries, and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.api.tests.conftest import assert_error, persona_apis
from kefu.supervision import actions
from kefu.testing.clock import sh

pytestmark = pytest.mark.django_db


def manual(world: Any, staff: Any, at: dt.datetime, summary: str = "迟到") -> Any:
    return actions.do_record_manual(world.inspector.user, staff.pk, summary, "minor", at)


def test_records_scope_filters_and_decision(world: Any, now: Any) -> None:
    apis = persona_apis(world)
    now.set(sh(2026, 3, 6, 9, 0))
    a = manual(world, world.agent, sh(2026, 3, 1, 9, 0), "柜台态度差")
    b = manual(world, world.agent_senior, sh(2026, 3, 5, 10, 0))
    s = manual(world, world.agent_south, sh(2026, 3, 2, 11, 0))
    actions.do_give_statement(world.agent.user, a.pk, "当天系统故障")
    actions.do_decide(
        world.supervisor.user,
        a.pk,
        actions.DecisionInput(outcome="criticism", decision="经调查属实", penalty=Decimal("200")),
    )
    ids = lambda resp: [r["id"] for r in resp.body["items"]]  # noqa: E731
    sup = apis("supervisor")
    resp = sup.get("/accountability")
    assert resp.status_code == 200 and resp.body["count"] == 2
    assert ids(resp) == [b.pk, a.pk]  # the north, newest first
    assert ids(apis("agent").get("/accountability")) == [a.pk]  # only their own
    assert ids(apis("supervisor_south").get("/accountability")) == [s.pk]
    assert ids(apis("inspector").get("/accountability")) == [b.pk, s.pk, a.pk]
    assert ids(sup.get("/accountability", status="closed")) == [a.pk]
    assert ids(sup.get("/accountability", staff=world.agent_senior.pk)) == [b.pk]
    assert ids(sup.get("/accountability", since="2026-03-02", until="2026-03-05")) == [b.pk]
    assert ids(sup.get("/accountability", kind="manual", limit=1)) == [b.pk]
    one = sup.get(f"/accountability/{a.pk}").body
    assert one["staff"]["name"] == "李客服" and one["branch"] == "城北分公司" and one["kind"] == "manual"
    assert one["statement"] == "当天系统故障" and one["status"] == "closed" and one["outcome"] == "criticism"
    assert Decimal(one["penalty"]) == 200 and one["decided_by"]["name"] == world.supervisor.name
    assert one["occurred_at"].startswith("2026-03-01T01:00:00")  # 09:00 in Shanghai, in UTC
    assert set(one["factors"]) == {
        "retaliation", "obstruction", "apologised_forgiven", "harm_prevented", "loss_recovered",
    }  # fmt: skip
    assert_error(apis("agent_senior").get(f"/accountability/{a.pk}"), 404, "not_found")
    assert_error(sup.get("/accountability", kind="nonsense"), 400, "invalid", "kind")  # an enum of the schema
    assert_error(sup.get("/accountability", status="maybe"), 400)
    assert_error(Client().get("/api/v1/accountability"), 401)


def test_record_list_costs_a_fixed_number_of_queries(world: Any, now: Any) -> None:
    apis = persona_apis(world)
    api = apis("inspector")
    api.get("/accountability")  # token, session and staff look-ups warmed
    manual(world, world.agent, sh(2026, 3, 1, 9, 0))
    with CaptureQueriesContext(connection) as few:
        assert api.get("/accountability").body["count"] == 1
    for i in range(6):
        manual(world, world.agent_south if i % 2 else world.agent_senior, sh(2026, 3, 1, 10, i))
    with CaptureQueriesContext(connection) as many:
        assert api.get("/accountability").body["count"] == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_notices_tabs_and_scope(world: Any, now: Any) -> None:
    apis = persona_apis(world)
    o1 = world.order(world.customer(), title="一")
    o2 = world.order(world.customer(phone="13700137002"), title="二")
    n1 = actions.do_issue_notice(world.supervisor.user, o1.pk, "今天内处理", sh(2026, 3, 2, 17, 0))
    n2 = actions.do_issue_notice(world.supervisor.user, o2.pk, "明天内处理", sh(2026, 3, 4, 17, 0))
    now.set(sh(2026, 3, 3, 9, 0))  # n1 is overdue now
    actions.do_answer_notice(world.agent.user, n2.pk, "已上门")
    sup = apis("supervisor")
    all_ = sup.get("/supervision-notices").body
    assert {n["id"] for n in all_["items"]} == {n1.pk, n2.pk}
    overdue = sup.get("/supervision-notices", show="overdue").body["items"]
    assert [n["id"] for n in overdue] == [n1.pk] and overdue[0]["overdue"] is True
    assert overdue[0]["order"] == o1.number and overdue[0]["issued_by"]["name"] == world.supervisor.name
    assert overdue[0]["due_at"].startswith("2026-03-02T09:00:00")
    answered = sup.get("/supervision-notices", show="answered").body["items"]
    assert [n["id"] for n in answered] == [n2.pk] and answered[0]["answer"] == "已上门"
    assert answered[0]["answered_by"]["name"] == "李客服" and answered[0]["overdue"] is False
    assert [n["id"] for n in sup.get("/supervision-notices", show="open").body["items"]] == [n1.pk]
    assert apis("supervisor_south").get("/supervision-notices").body["count"] == 0
    assert_error(sup.get("/supervision-notices", show="late"), 400)

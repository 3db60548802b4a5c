"""Accountability records (R-27): created exactly once from each source (breach, missed follow-up, forbidden
phrase, sent away), the statement-before-decision workflow and who may do what, repeat offences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments import sweep
from kefu.commitments.models import Breach
from kefu.followup import actions as followup_actions
from kefu.followup.models import FollowupMiss
from kefu.jobs.registry import JOBS
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.standards.models import StandardsViolation
from kefu.supervision import actions, jobs
from kefu.supervision.models import AccountabilityRecord, SourceWatermark
from kefu.testing.clock import sh
from kefu.workorders.actions import do_reply, do_transfer, do_transition

pytestmark = pytest.mark.django_db


def test_jobs_registered() -> None:
    assert JOBS["supervision.accountability"].func is jobs.accountability
    assert JOBS["supervision.overdue_notices"].func is jobs.overdue_notices


def test_breaches_become_records_once(world: Any, now: Any) -> None:
    o = world.order(world.customer())  # Mon 2026-03-02 09:00, assignee none: owner 李客服
    sweep.sweep(now=sh(2026, 3, 5, 9, 0))
    breaches = list(Breach.objects.order_by("pk"))
    assert breaches and all(b.workorder_id == o.pk for b in breaches)
    now.set(sh(2026, 3, 5, 9, 1))
    assert jobs.accountability() == {"breach": len(breaches), "missed_followup": 0, "forbidden_phrase": 0}
    # run again at once (the rows are younger than the settle time, so they are looked at again): nothing new
    assert jobs.accountability() == {"breach": 0, "missed_followup": 0, "forbidden_phrase": 0}
    # the watermark stays below the first row younger than the settle time (ids need not start at 1)
    assert SourceWatermark.objects.get(source="breach").last_id == breaches[0].pk - 1
    now.set(sh(2026, 3, 5, 10, 0))
    assert jobs.accountability()["breach"] == 0
    assert SourceWatermark.objects.get(source="breach").last_id == breaches[-1].pk
    recs = list(AccountabilityRecord.objects.order_by("source_id"))
    assert [(r.kind, r.source_id) for r in recs] == [("breach", b.pk) for b in breaches]
    r = recs[0]
    assert (r.staff, r.manager, r.branch, r.workorder, r.customer_id) == (
        world.agent,
        world.supervisor,  # the agent's leader, as on the breach
        world.north,
        o,
        o.customer_id,
    )
    assert r.status == "open" and r.severity == "minor" and r.occurred_at == sh(2026, 3, 5, 9, 0)
    assert r.statement_due == sh(2026, 3, 10, 9, 1)  # 5 days after recording
    assert o.number in r.summary
    assert AuditRecord.objects.filter(action="accountability.create").count() == len(breaches)


def test_missed_followup_becomes_record_once(world: Any, now: Any) -> None:
    followup_actions.ensure_satisfaction_levels()
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    found = followup_actions.sweep_misses(now=sh(2026, 4, 1, 9, 0))
    assert found == 1
    miss = FollowupMiss.objects.get()
    now.set(sh(2026, 4, 1, 12, 0))
    assert actions.collect()["missed_followup"] == 1
    assert actions.collect()["missed_followup"] == 0
    r = AccountabilityRecord.objects.get(kind="missed_followup")
    assert r.source_id == miss.pk
    # nobody was assigned the follow-up: the order's first-contact owner answers for it
    assert r.staff == (miss.responsible or world.agent)
    assert r.workorder == o and r.branch == world.north
    # it happened when the follow-up fell due (what the 12-month repeat count reads), not when it was found
    assert r.occurred_at == miss.due_at < miss.found_at


def test_forbidden_phrase_becomes_record_once(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    do_reply(world.agent_senior.user, o.pk, "您好，你这人真笨", override_reason="客户自称", channel="sms")
    v = StandardsViolation.objects.get()
    now.set(sh(2026, 3, 2, 10, 0))
    assert actions.collect()["forbidden_phrase"] == 1
    assert actions.collect()["forbidden_phrase"] == 0
    r = AccountabilityRecord.objects.get(kind="forbidden_phrase")
    assert (r.source_id, r.staff, r.manager, r.severity) == (
        v.pk,
        world.agent_senior,
        world.supervisor,
        "serious",
    )
    assert "你这人真笨" in r.summary and "客户自称" in r.summary


def test_unique_per_source_even_without_the_watermark(world: Any, now: Any) -> None:
    world.order(world.customer())
    sweep.sweep(now=sh(2026, 3, 5, 9, 0))
    now.set(sh(2026, 3, 6, 9, 0))
    first = actions.collect()["breach"]
    assert first >= 1
    SourceWatermark.objects.all().delete()  # lost watermark: the anti-join still prevents duplicates
    assert actions.collect()["breach"] == 0
    assert AccountabilityRecord.objects.filter(kind="breach").count() == first


def test_sent_away_reported_once_by_a_supervisor(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    tr = do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="不归我管")
    with pytest.raises(PermissionDenied):
        actions.do_report_sent_away(world.agent_senior.user, tr.pk, "推诿")
    with pytest.raises(NotFound):
        actions.do_report_sent_away(world.supervisor_south.user, tr.pk, "推诿")
    with pytest.raises(ValidationFailed) as e:
        actions.do_report_sent_away(world.supervisor.user, tr.pk, "  ")
    assert e.value.field == "note"
    r = actions.do_report_sent_away(world.supervisor.user, tr.pk, "客户没有得到帮助")
    assert (r.kind, r.source_id, r.staff, r.created_by, r.severity) == (
        "sent_away",
        tr.pk,
        world.agent,
        world.supervisor,
        "serious",
    )
    with pytest.raises(ValidationFailed) as e:
        actions.do_report_sent_away(world.inspector.user, tr.pk, "again")
    assert e.value.code == "already_reported"
    assert AccountabilityRecord.objects.filter(kind="sent_away").count() == 1


def manual(world: Any, at: dt.datetime, staff: Any = None, **kw: Any) -> AccountabilityRecord:
    return actions.do_record_manual(
        world.inspector.user,
        (staff or world.agent).pk,
        kw.pop("summary", "柜台态度差"),
        kw.pop("severity", "minor"),
        at,
        **kw,
    )


def test_manual_record_rules(world: Any, now: Any) -> None:
    with pytest.raises(PermissionDenied):
        manual_by(world.agent_senior, world.agent, sh(2026, 3, 1, 9, 0))
    with pytest.raises(NotFound):  # a branch supervisor cannot record against another branch's staff
        manual_by(world.supervisor_south, world.agent, sh(2026, 3, 1, 9, 0))
    with pytest.raises(ValidationFailed) as e:
        manual(world, sh(2026, 3, 3, 9, 0))
    assert e.value.code == "future"
    with pytest.raises(ValidationFailed) as e:
        manual_by(world.supervisor, world.supervisor, sh(2026, 3, 1, 9, 0))
    assert e.value.code == "self"
    o = world.order(world.customer())
    r = manual(world, sh(2026, 3, 1, 9, 0), order_key=o.number, severity="grave")
    assert (r.kind, r.source_id, r.workorder, r.branch, r.created_by, r.severity) == (
        "manual",
        None,
        o,
        world.north,
        world.inspector,
        "grave",
    )
    # manual records have no source: several are allowed
    manual(world, sh(2026, 3, 1, 10, 0))
    assert AccountabilityRecord.objects.filter(kind="manual").count() == 2


def manual_by(by: Any, staff: Any, at: dt.datetime) -> AccountabilityRecord:
    return actions.do_record_manual(by.user, staff.pk, "迟到", "minor", at)


def decide(by: Any, rec: AccountabilityRecord, outcome: str = "warning", **kw: Any) -> AccountabilityRecord:
    return actions.do_decide(
        by.user, rec.pk, actions.DecisionInput(outcome=outcome, decision="经调查属实", **kw)
    )


def test_statement_only_by_the_staff_member(world: Any, now: Any) -> None:
    rec = manual(world, sh(2026, 3, 1, 9, 0))
    with pytest.raises(PermissionDenied):
        actions.do_give_statement(world.supervisor.user, rec.pk, "我替他说")
    with pytest.raises(NotFound):  # another agent does not even see the record
        actions.do_give_statement(world.agent_senior.user, rec.pk, "我替他说")
    with pytest.raises(ValidationFailed):
        actions.do_give_statement(world.agent.user, rec.pk, "   ")
    now.set(sh(2026, 3, 3, 9, 0))
    r = actions.do_give_statement(world.agent.user, rec.pk, "当天系统故障，客户等了很久，我已道歉")
    assert (r.status, r.statement_at) == ("heard", sh(2026, 3, 3, 9, 0))
    with pytest.raises(ValidationFailed) as e:
        actions.do_give_statement(world.agent.user, rec.pk, "补充")
    assert e.value.code == "already_stated"
    assert AuditRecord.objects.filter(action="accountability.statement", object_id=str(rec.pk)).count() == 1


def test_decision_waits_for_the_statement_or_its_deadline(world: Any, now: Any) -> None:
    rec = manual(world, sh(2026, 3, 1, 9, 0))  # recorded Mon 2026-03-02 09:00: statement due 03-07 09:00
    with pytest.raises(ValidationFailed) as e:
        decide(world.supervisor, rec)
    assert e.value.code == "not_heard"
    now.set(sh(2026, 3, 7, 8, 59))
    with pytest.raises(ValidationFailed):
        decide(world.supervisor, rec)
    now.set(sh(2026, 3, 7, 9, 0))
    r = decide(world.supervisor, rec)
    assert (r.status, r.outcome, r.decided_by, r.proposed_outcome) == (
        "closed",
        "warning",
        world.supervisor,
        "warning",
    )
    with pytest.raises(ValidationFailed) as e:
        decide(world.supervisor, rec)
    assert e.value.code == "closed"
    with pytest.raises(ValidationFailed):
        actions.do_give_statement(world.agent.user, rec.pk, "太迟了")


def test_statement_deadline_is_configurable(world: Any, now: Any, settings: Any) -> None:
    settings.KEFU_ACCOUNTABILITY_STATEMENT_DAYS = 2
    rec = manual(world, sh(2026, 3, 1, 9, 0))
    assert rec.statement_due == sh(2026, 3, 4, 9, 0)


def test_decision_only_by_an_authorised_leader(world: Any, now: Any) -> None:
    rec = manual(world, sh(2026, 3, 1, 9, 0))
    actions.do_give_statement(world.agent.user, rec.pk, "情况属实")
    with pytest.raises(PermissionDenied):
        decide(world.agent_senior, rec)  # an agent
    with pytest.raises(PermissionDenied):
        decide(world.inspector, rec)  # inspectors record and look, leaders decide
    with pytest.raises(NotFound):
        decide(world.supervisor_south, rec)  # another branch
    with pytest.raises(ValidationFailed) as e:
        decide(world.supervisor, rec, outcome="warning", penalty=Decimal("100"))
    assert e.value.code == "penalty_without_criticism"
    with pytest.raises(ValidationFailed) as e:
        actions.do_decide(
            world.supervisor.user, rec.pk, actions.DecisionInput(outcome="warning", decision=" ")
        )
    assert e.value.field == "decision"
    r = decide(
        world.president,  # company level
        rec,
        outcome="criticism",
        penalty=Decimal("200"),
        severity="grave",
        factors=actions.rules.Factors(obstruction=True),
    )
    assert (r.outcome, r.penalty, r.severity, r.obstruction) == (
        "criticism",
        Decimal("200.00"),
        "grave",
        True,
    )
    assert r.proposed_outcome == "criticism"
    assert [x["code"] for x in r.proposal_reasons] == ["severity_grave", "obstruction", "penalty"]
    log = AuditRecord.objects.get(action="accountability.decide")
    assert log.after is not None
    assert log.before is not None
    assert log.after["outcome"] == "criticism" and log.before == {"status": "heard", "outcome": ""}


def test_nobody_decides_on_their_own_record(world: Any, now: Any) -> None:
    rec = manual(world, sh(2026, 3, 1, 9, 0), staff=world.supervisor)
    actions.do_give_statement(world.supervisor.user, rec.pk, "我的说明")
    with pytest.raises(PermissionDenied):
        decide(world.supervisor, rec)
    assert decide(world.president, rec).status == "closed"


def test_repeat_offences_in_the_trailing_12_months(world: Any, now: Any) -> None:
    now.set(sh(2026, 11, 23, 9, 0))
    a = manual(world, sh(2025, 11, 19, 10, 0))
    b = manual(world, sh(2026, 1, 10, 10, 0))
    c = manual(world, sh(2026, 6, 1, 10, 0))
    d = manual(world, sh(2026, 11, 20, 10, 0))
    manual(world, sh(2026, 11, 1, 10, 0), staff=world.agent_senior)  # someone else's: not counted
    assert actions.proposal_for(b).outcome == "warning"  # only a before it
    p = actions.proposal_for(d)  # b and c; a (2025-11-19) is outside the 12 months
    assert p.outcome == "no_award"
    assert ("repeat", {"count": 2}) in [(r.code, r.params) for r in p.reasons]
    assert actions.proposal_for(c).outcome == "no_award"  # a and b
    # c found "not at fault": it no longer counts against d
    now.set(sh(2026, 12, 1, 9, 0))
    decide(world.supervisor, c, outcome="none")
    assert actions.proposal_for(d).outcome == "warning"
    assert a.pk and b.pk

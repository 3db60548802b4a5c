"""Pure rules of supervision: the proposed outcome (R-27), the hearing rule, area load (R-30)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.supervision import rules
from kefu.supervision.rules import AreaLoad, Factors, Outcome, propose

D = dt.date


def codes(p: rules.Proposal) -> list[str]:
    return [r.code for r in p.reasons]


def test_window_and_repeat_with_concrete_dates() -> None:
    assert rules.window_start(D(2026, 11, 20)) == D(2025, 11, 20)
    assert rules.window_start(D(2028, 2, 29)) == D(2027, 2, 28)
    earlier = [D(2026, 1, 10), D(2026, 6, 1)]
    assert rules.prior_count(D(2026, 11, 20), earlier) == 2
    # 2025-11-19 is one day outside the 12 months before 2026-11-20; 2025-11-20 is inside
    assert rules.prior_count(D(2026, 11, 20), [D(2025, 11, 19), D(2026, 6, 1)]) == 1
    assert rules.prior_count(D(2026, 11, 20), [D(2025, 11, 20), D(2026, 6, 1)]) == 2
    # later violations do not count for an earlier one
    assert rules.prior_count(D(2026, 6, 1), [D(2026, 11, 20), D(2026, 1, 10)]) == 1


def test_base_outcome_by_severity() -> None:
    assert propose("breach", "minor", Factors(), 0).outcome == Outcome.WARNING
    assert propose("breach", "serious", Factors(), 0).outcome == Outcome.NO_AWARD
    grave = propose("breach", "grave", Factors(), 0)
    assert grave.outcome == Outcome.CRITICISM
    assert grave.penalty == Decimal("200")
    assert codes(grave) == ["severity_grave", "penalty"]


def test_repeat_offence_is_heavier() -> None:
    assert propose("breach", "minor", Factors(), 1).outcome == Outcome.WARNING
    third = propose("breach", "minor", Factors(), 2)
    assert third.outcome == Outcome.NO_AWARD
    assert codes(third) == ["severity_minor", "repeat"]
    assert third.reasons[1].params == {"count": 2}


def test_retaliation_and_obstruction_each_one_step_capped() -> None:
    p = propose("sent_away", "minor", Factors(retaliation=True, obstruction=True), 0)
    assert p.outcome == Outcome.CRITICISM
    assert p.penalty == Decimal("200")
    p = propose(
        "sent_away", "serious", Factors(retaliation=True, obstruction=True), 5, penalty=Decimal("300")
    )
    assert p.outcome == Outcome.CRITICISM
    assert p.penalty == Decimal("600")  # doubled for a repeat offence
    assert codes(p) == ["severity_serious", "repeat", "retaliation", "obstruction", "penalty"]


def test_mitigation_lighter_but_not_below_warning() -> None:
    p = propose("forbidden_phrase", "grave", Factors(apologised_forgiven=True), 0)
    assert p.outcome == Outcome.NO_AWARD
    assert p.penalty == 0
    p = propose(
        "forbidden_phrase",
        "serious",
        Factors(apologised_forgiven=True, harm_prevented=True, loss_recovered=True),
        0,
    )
    assert p.outcome == Outcome.WARNING
    assert codes(p)[-1] == "floor_warning"
    p = propose("breach", "minor", Factors(loss_recovered=True), 0)
    assert p.outcome == Outcome.WARNING
    assert "floor_warning" in codes(p)
    # aggravation and mitigation cancel out
    p = propose("breach", "serious", Factors(retaliation=True, harm_prevented=True), 0)
    assert p.outcome == Outcome.NO_AWARD
    assert "floor_warning" not in codes(p)


def test_default_severity_per_kind() -> None:
    assert rules.default_severity("breach") == rules.Severity.MINOR
    assert rules.default_severity("sent_away") == rules.Severity.SERIOUS
    with pytest.raises(ValueError):
        rules.default_severity("nonsense")


def test_heard_before_decision() -> None:
    due = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
    assert not rules.may_decide(False, due, due - dt.timedelta(seconds=1))
    assert rules.may_decide(False, due, due)
    assert rules.may_decide(True, due, due - dt.timedelta(days=3))


def test_area_verdicts() -> None:
    urban_two = AreaLoad(1, 9001, "urban", (10, 11))
    assert rules.area_verdict(urban_two) == rules.AreaVerdict(1, 4501, 4500, True)
    assert rules.area_verdict(AreaLoad(2, 9000, "urban", (10, 11))).over is False
    assert rules.area_verdict(AreaLoad(3, 2001, "rural", (12,))).over is True
    assert rules.area_verdict(AreaLoad(4, 2000, "rural", (12,))).over is False
    assert rules.area_verdict(AreaLoad(5, 10, "urban", ())) == rules.AreaVerdict(5, None, 4500, True)
    assert rules.area_verdict(AreaLoad(6, 0, "urban", ())).over is False


def test_staff_load_adds_shares_against_each_guidance() -> None:
    v = rules.staff_verdicts(
        [
            AreaLoad(1, 3000, "urban", (10,)),  # 3000/4500 = 0.67
            AreaLoad(2, 1000, "rural", (10, 11)),  # 500/2000 = 0.25 each
        ]
    )
    assert v[10].households == 3500
    assert v[10].load == Decimal("0.92")
    assert v[10].over is False
    assert v[11].load == Decimal("0.25")
    v = rules.staff_verdicts([AreaLoad(1, 3000, "urban", (10,)), AreaLoad(2, 1000, "rural", (10,))])
    assert v[10].load == Decimal("1.17")
    assert v[10].over is True

"""Which time limit applies: most specific match wins (commitments.limits)."""

from __future__ import annotations

from decimal import Decimal

from kefu.commitments.limits import ClockKind, LimitRule, OrderFacts, best_match, limits_for, matches
from kefu.commitments.rules import Unit

R = ClockKind.RESOLUTION
GENERAL = LimitRule(1, R, "fault_general", Unit.CALENDAR_HOURS, 24)
GOLD = LimitRule(2, R, "fault_general", Unit.CALENDAR_HOURS, 12, tier="gold")
RURAL = LimitRule(3, R, "fault_general", Unit.CALENDAR_HOURS, 48, area_kind="rural")
SERVICE = LimitRule(4, R, "fault_general", Unit.WORKING_HOURS, Decimal("8.5"), service_id=7)
URGENT = LimitRule(5, R, "fault_general", Unit.CALENDAR_HOURS, 6, priority="urgent")
GOLD_RURAL = LimitRule(6, R, "fault_general", Unit.CALENDAR_HOURS, 20, tier="gold", area_kind="rural")
INSTALL = LimitRule(7, R, "install_urban", Unit.WORKING_DAYS, 5)
ANSWER = LimitRule(8, ClockKind.COMPLAINT_ANSWER, "complaint", Unit.WORKING_DAYS, 3)
FIRST = LimitRule(9, ClockKind.FIRST_RESPONSE, "complaint", Unit.CALENDAR_HOURS, 4, around_the_clock=True)
ALL = [GENERAL, GOLD, RURAL, SERVICE, URGENT, GOLD_RURAL, INSTALL, ANSWER, FIRST]


def test_only_the_order_type_is_required():
    plain = OrderFacts("fault_general")
    assert matches(GENERAL, plain)
    assert not matches(GOLD, plain)
    assert not matches(INSTALL, plain)
    assert best_match(ALL, R, plain) == GENERAL


def test_a_tier_rule_beats_the_general_rule():
    assert best_match(ALL, R, OrderFacts("fault_general", tier="gold")) == GOLD
    assert best_match(ALL, R, OrderFacts("fault_general", tier="brass")) == GENERAL


def test_more_criteria_beat_fewer():
    facts = OrderFacts("fault_general", tier="gold", area_kind="rural")
    assert best_match(ALL, R, facts) == GOLD_RURAL


def test_ties_in_number_go_by_weight_service_tier_priority_area():
    # service (8) beats tier (4) beats priority (2) beats area kind (1)
    facts = OrderFacts("fault_general", service_id=7, tier="gold", priority="urgent", area_kind="rural")
    without_pair = [r for r in ALL if r is not GOLD_RURAL]
    assert best_match(without_pair, R, facts) == SERVICE
    facts = OrderFacts("fault_general", tier="gold", priority="urgent", area_kind="rural")
    assert best_match(without_pair, R, facts) == GOLD
    facts = OrderFacts("fault_general", priority="urgent", area_kind="rural")
    assert best_match(ALL, R, facts) == URGENT


def test_identical_criteria_go_to_the_older_rule():
    twin = LimitRule(99, R, "fault_general", Unit.CALENDAR_HOURS, 1, tier="gold")
    assert best_match([twin, GOLD], R, OrderFacts("fault_general", tier="gold")) == GOLD


def test_a_criterion_for_another_value_excludes_the_rule():
    assert best_match(ALL, R, OrderFacts("fault_general", service_id=8)) == GENERAL


def test_limits_for_lists_each_kind_that_has_a_rule():
    got = limits_for(ALL, OrderFacts("complaint"))
    assert got == {ClockKind.FIRST_RESPONSE: FIRST, ClockKind.COMPLAINT_ANSWER: ANSWER}
    assert limits_for(ALL, OrderFacts("inquiry")) == {}
    assert GOLD.limit.amount == 12

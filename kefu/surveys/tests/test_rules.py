"""Quality formulas on published worked examples; the expected numbers come from the cited sources."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.surveys import rules
from kefu.surveys.rules import Dimension, ItemAnswer, Level, OrderOutcome


def test_csat_intercom_worked_example() -> None:
    """Intercom VoC Metrics help, "What is CSAT and how is CSAT score calculated?"
    (https://intercom.help/voc-metrics/en/articles/9647540-what-is-csat-and-how-is-csat-score-calculated):
    50 responses — 10 × 5, 20 × 4, 10 × 3, 5 × 2, 5 × 1 — CSAT = (10 + 20) / 50 × 100 = 60 %."""
    scores = [5] * 10 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5
    assert rules.csat(scores) == pytest.approx(60.0)


def test_csat_delighted_worked_example() -> None:
    """Delighted help center, "How is CSAT calculated?" (https://help.delighted.com/article/240-how-is-csat-calculated):
    42 × 5, 32 × 4, 10 × 3, 9 × 2, 14 × 1 → 74 satisfied of 107 → 69.16 (Delighted shows it rounded, 69)."""
    scores = [5] * 42 + [4] * 32 + [3] * 10 + [2] * 9 + [1] * 14
    assert rules.csat(scores) == pytest.approx(69.16, abs=0.005)
    assert round(rules.csat(scores) or 0) == 69


def test_csat_edges() -> None:
    assert rules.csat([]) is None
    assert rules.csat([3, 3]) == 0.0
    with pytest.raises(ValueError):
        rules.csat([6])
    with pytest.raises(ValueError):
        rules.csat([0])


def test_nps_dela_worked_example() -> None:
    """DELA annual report 2018, glossary "Net Promotor Score"
    (https://annualreport2018.dela.nl/begrippenlijst/net-promotor-score): 0–6 detractors, 9–10 promoters,
    7–8 passive; "if 30 % of the responders is a promotor and 20 % is a detractor, the NPS is +10".
    Built here as 100 answers: 30 promoters, 50 passives, 20 detractors."""
    scores = [10] * 15 + [9] * 15 + [8] * 25 + [7] * 25 + [6] * 10 + [0] * 10
    assert rules.nps(scores) == pytest.approx(10.0)
    assert rules.nps_from_counts(30, 20, 100) == pytest.approx(10.0)


def test_nps_categories_follow_the_published_bands() -> None:
    """GfK (https://discover.gfk.com/story/budget-planning-support/page/7): detractors 0–6, promoters 9–10,
    NPS = % promoters − % detractors."""
    assert [rules.nps_category(s) for s in range(11)] == ["detractor"] * 7 + ["passive"] * 2 + [
        "promoter"
    ] * 2
    assert rules.nps([9, 10]) == 100.0
    assert rules.nps([0, 6]) == -100.0
    assert rules.nps([7, 8]) == 0.0
    assert rules.nps([]) is None
    with pytest.raises(ValueError):
        rules.nps([11])


@given(st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_nps_is_between_minus_100_and_100(scores: list[int]) -> None:
    value = rules.nps(scores)
    assert value is not None and -100.0 <= value <= 100.0


def test_satisfaction_rate_four_levels() -> None:
    """满意率 = 满意顾客数 / 顾客总数 × 100 % (dzyyw.com, 满意度计算公式, http://dzyyw.com/danjiyouxi/549007.html);
    on the four-level scale the satisfied customers are those not "dissatisfied".
    12 very satisfied, 39 satisfied, 49 basically satisfied, 84 dissatisfied → 100 / 184 = 54.35 %."""
    counts = {"very_satisfied": 12, "satisfied": 39, "basically_satisfied": 49, "dissatisfied": 84}
    assert rules.satisfaction_rate_from_counts(counts) == pytest.approx(54.3478, abs=1e-3)
    answers = (
        ["very_satisfied"] * 12 + ["satisfied"] * 39 + ["basically_satisfied"] * 49 + ["dissatisfied"] * 84
    )
    assert rules.satisfaction_rate(answers) == pytest.approx(100 / 184 * 100)
    assert rules.satisfaction_rate([]) is None
    with pytest.raises(ValueError):
        rules.satisfaction_rate(["quite"])


def test_servqual_dimensions_are_the_1988_items() -> None:
    """Parasuraman, Zeithaml & Berry (1988), "SERVQUAL: a multiple-item scale…", J. Retailing 64(1):
    tangibles 1–4, reliability 5–9, responsiveness 10–13, assurance 14–17, empathy 18–22."""
    all_items = sorted(i for items in rules.SERVQUAL_ITEMS.values() for i in items)
    assert all_items == list(range(1, 23))
    assert rules.dimension_of(4) == Dimension.TANGIBLES
    assert rules.dimension_of(5) == Dimension.RELIABILITY
    assert rules.dimension_of(13) == Dimension.RESPONSIVENESS
    assert rules.dimension_of(17) == Dimension.ASSURANCE
    assert rules.dimension_of(22) == Dimension.EMPATHY
    with pytest.raises(ValueError):
        rules.dimension_of(23)


def test_servqual_unweighted_12manage_example() -> None:
    """12manage, "Weighted and Unweighted Average SERVQUAL Scores?"
    (https://www.12manage.com/forum.asp?TB=zeithaml_servqual&S=54): dimension gaps −0.65, −1.10, −0.83,
    −0.70, −1.01 → unweighted = −4.29 / 5 = −0.86 (−0.858); reliability has the biggest gap."""
    gaps = {
        Dimension.TANGIBLES: -0.65,
        Dimension.RELIABILITY: -1.10,
        Dimension.RESPONSIVENESS: -0.83,
        Dimension.ASSURANCE: -0.70,
        Dimension.EMPATHY: -1.01,
    }
    unweighted, weighted = rules.overall_scores(gaps)
    assert unweighted == pytest.approx(-0.858)
    assert round(unweighted, 2) == -0.86
    assert weighted is None


def test_servqual_weighted_by_100_points() -> None:
    """Weighted score as in the SERVQUAL instructions (studylib, "Measuring Service Quality Using SERVQUAL",
    https://studylib.net/doc/8622310/subway-servqual_forms---operationsmanagementfall09: 100 points allocated
    among the five dimensions; multiply each dimension's average gap by its importance weight and add).
    With the 12manage gaps above and points 10 / 30 / 20 / 20 / 20 (weights 0.10 … 0.20):
    −0.065 − 0.330 − 0.166 − 0.140 − 0.202 = −0.903."""
    gaps = {
        Dimension.TANGIBLES: -0.65,
        Dimension.RELIABILITY: -1.10,
        Dimension.RESPONSIVENESS: -0.83,
        Dimension.ASSURANCE: -0.70,
        Dimension.EMPATHY: -1.01,
    }
    points = {"tangibles": 10, "reliability": 30, "responsiveness": 20, "assurance": 20, "empathy": 20}
    _u, weighted = rules.overall_scores(gaps, points)
    assert weighted == pytest.approx(-0.903)


def test_weights_must_total_100() -> None:
    with pytest.raises(ValueError, match="100"):
        rules.check_weights(
            {"tangibles": 20, "reliability": 20, "responsiveness": 20, "assurance": 20, "empathy": 19}
        )
    with pytest.raises(ValueError):
        rules.check_weights({"tangibles": 120, "reliability": -20})


def test_servqual_per_respondent_item_gaps_and_reverse_scoring() -> None:
    """Item gaps are P − E; dimension = mean of its items (steps 1–2 of the SERVQUAL instructions cited
    above). A reverse-scored item is read as 8 − score: E 2, P 6 on a negatively worded item means
    E 6, P 2 → gap −4."""
    answers = [
        # tangibles: gaps −1, 0, +1, −2 → mean −0.5
        ItemAnswer(1, 6, 5),
        ItemAnswer(2, 5, 5),
        ItemAnswer(3, 4, 5),
        ItemAnswer(4, 7, 5),
        # reliability: gaps −3, −1, −1, −1, −4 (item 9 reverse scored) → mean −2.0
        ItemAnswer(5, 7, 4),
        ItemAnswer(6, 7, 6),
        ItemAnswer(7, 7, 6),
        ItemAnswer(8, 6, 5),
        ItemAnswer(9, 2, 6, reverse=True),
        # responsiveness: one item, gap +1
        ItemAnswer(10, 5, 6),
        # assurance: gaps 0, 0 → 0
        ItemAnswer(14, 6, 6),
        ItemAnswer(15, 3, 3),
        # empathy: gap −1
        ItemAnswer(18, 6, 5),
    ]
    r = rules.servqual(
        answers, {"tangibles": 10, "reliability": 40, "responsiveness": 20, "assurance": 10, "empathy": 20}
    )
    assert r.dimension_gaps[Dimension.TANGIBLES] == pytest.approx(-0.5)
    assert r.dimension_gaps[Dimension.RELIABILITY] == pytest.approx(-2.0)
    assert r.dimension_gaps[Dimension.RESPONSIVENESS] == pytest.approx(1.0)
    assert r.dimension_gaps[Dimension.ASSURANCE] == pytest.approx(0.0)
    assert r.dimension_gaps[Dimension.EMPATHY] == pytest.approx(-1.0)
    assert r.unweighted == pytest.approx((-0.5 - 2.0 + 1.0 + 0.0 - 1.0) / 5)
    assert r.weighted == pytest.approx(-0.05 - 0.8 + 0.2 + 0.0 - 0.2)
    assert r.largest_gap == Dimension.RELIABILITY
    assert rules.reverse_score(1) == 7 and rules.reverse_score(7) == 1 and rules.reverse_score(4) == 4


def test_servqual_needs_every_dimension_and_valid_scores() -> None:
    with pytest.raises(ValueError, match="empathy"):
        rules.servqual([ItemAnswer(1, 5, 5), ItemAnswer(5, 5, 5), ItemAnswer(10, 5, 5), ItemAnswer(14, 5, 5)])
    with pytest.raises(ValueError):
        rules.servqual([ItemAnswer(i, 8, 5) for i in (1, 5, 10, 14, 18)])
    with pytest.raises(ValueError, match="twice"):
        rules.servqual([ItemAnswer(1, 5, 5), ItemAnswer(1, 4, 5)])


# --- service levels ---------------------------------------------------------------------------------

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DUE = T0 + dt.timedelta(hours=8)


def outcome(
    finished_h: float | None, satisfaction: int | None, *, due: dt.datetime | None = DUE
) -> OrderOutcome:
    finished = T0 + dt.timedelta(hours=finished_h) if finished_h is not None else None
    return OrderOutcome(
        resolved=True, finished_at=finished, started_at=T0, due_at=due, satisfaction=satisfaction
    )


def test_satisfaction_grade_takes_the_lowest_answer() -> None:
    assert rules.satisfaction_grade() is None
    assert rules.satisfaction_grade(csat_score=5) == 2
    assert rules.satisfaction_grade(csat_score=4) == 1
    assert rules.satisfaction_grade(csat_score=3) == 0
    assert rules.satisfaction_grade(nps_score=9) == 2
    assert rules.satisfaction_grade(nps_score=8) == 1
    assert rules.satisfaction_grade(nps_score=6) == 0
    assert rules.satisfaction_grade(sat4="basically_satisfied") == 1
    assert rules.satisfaction_grade(sat4="very_satisfied") == 2
    assert rules.satisfaction_grade(sat4="dissatisfied") == 0
    assert rules.satisfaction_grade(csat_score=5, nps_score=8) == 1
    assert rules.satisfaction_grade(csat_score=5, nps_score=10, sat4="very_satisfied") == 2


def test_service_levels() -> None:
    # late → basic, whatever the customer says
    assert rules.service_level(outcome(9, 2)) == Level.BASIC
    # on time but dissatisfied → basic
    assert rules.service_level(outcome(7, 0)) == Level.BASIC
    # on time (1 h of 8 left = 12.5 % < 25 %) and satisfied → satisfying
    assert rules.service_level(outcome(7, 1)) == Level.SATISFYING
    # exactly 25 % of the committed time left (2 h of 8) and satisfied → value-added
    assert rules.service_level(outcome(6, 1)) == Level.VALUE_ADDED
    # just under the margin → satisfying
    assert rules.service_level(outcome(6.01, 1)) == Level.SATISFYING
    # very satisfied and on time → memorable (with or without margin)
    assert rules.service_level(outcome(7.9, 2)) == Level.MEMORABLE
    assert rules.service_level(outcome(1, 2)) == Level.MEMORABLE
    # finished exactly at the deadline counts as on time
    assert rules.service_level(outcome(8, 1)) == Level.SATISFYING
    # no deadline: satisfied → satisfying, never value-added or memorable
    assert rules.service_level(outcome(1, 2, due=None)) == Level.SATISFYING
    # no answer / not solved → no level
    assert rules.service_level(outcome(1, None)) is None
    assert rules.service_level(OrderOutcome(False, None, None, None, 2)) is None


def test_level_distribution_counts_unrated() -> None:
    dist = rules.level_distribution([Level.BASIC, Level.MEMORABLE, None, Level.MEMORABLE])
    assert dist == {"basic": 1, "satisfying": 0, "value_added": 0, "memorable": 2, "unrated": 1}

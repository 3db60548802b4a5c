"""R-3 value tier (pure rule) with worked examples at each boundary, and phone/e-mail keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.customers.rules import (
    ArchiveFacts,
    InvalidPhone,
    Tier,
    TierRule,
    compute_tier,
    full_years,
    normalize_email,
    normalize_phone,
)

TODAY = dt.date(2026, 3, 1)
RULE = TierRule()  # the documented defaults
RANK = {Tier.LEAD: 0, Tier.BRASS: 1, Tier.GOLD: 2, Tier.DIAMOND: 3}


def facts(**kw: object) -> ArchiveFacts:
    base: dict[str, object] = {"today": TODAY, "customer_since": TODAY}
    base.update(kw)
    return ArchiveFacts(**base)  # type: ignore[arg-type]


def test_documented_defaults() -> None:
    assert (RULE.diamond_min, RULE.gold_min, RULE.brass_min) == (70, 40, 15)
    assert RULE.spend_unit == Decimal("1000")
    assert RULE.max_bad_records_for_top == 2


def test_exactly_diamond_min() -> None:
    # 30 000 spend → 30, 5 full years → 20, all 10 payments on time → 20: 70
    f = facts(spend_12m=Decimal("30000"), customer_since=dt.date(2021, 3, 1), payments_on_time=10)
    r = compute_tier(f, RULE)
    assert (r.tier, r.score) == (Tier.DIAMOND, 70)
    assert r.parts == {"spend": 30, "tenure": 20, "payment": 20, "bad_records": 0}


def test_one_yuan_below_diamond_is_gold() -> None:
    f = facts(spend_12m=Decimal("29999.99"), customer_since=dt.date(2021, 3, 1), payments_on_time=10)
    r = compute_tier(f, RULE)
    assert (r.tier, r.score) == (Tier.GOLD, 69)


def test_tenure_counts_full_years_only() -> None:
    # one day short of the 5th anniversary: 4 years → 16 points
    f = facts(spend_12m=Decimal("30000"), customer_since=dt.date(2021, 3, 2), payments_on_time=10)
    r = compute_tier(f, RULE)
    assert (r.tier, r.score, r.parts["tenure"]) == (Tier.GOLD, 66, 16)


@pytest.mark.parametrize(
    ("spend", "on_time", "expected_tier", "expected_score"),
    [
        ("20000", 1, Tier.GOLD, 40),  # exactly gold_min
        ("19999", 1, Tier.BRASS, 39),
        ("15000", 0, Tier.BRASS, 15),  # exactly brass_min, no payment history
        ("14999.99", 0, Tier.LEAD, 14),
        ("0", 0, Tier.LEAD, 0),
        ("999999", 0, Tier.GOLD, 50),  # spend points capped at 50
    ],
)
def test_boundaries(spend: str, on_time: int, expected_tier: Tier, expected_score: int) -> None:
    r = compute_tier(facts(spend_12m=Decimal(spend), payments_on_time=on_time), RULE)
    assert (r.tier, r.score) == (expected_tier, expected_score)


def test_tenure_capped() -> None:
    r = compute_tier(facts(customer_since=dt.date(1990, 1, 1)), RULE)
    assert r.parts["tenure"] == 20


def test_late_payments() -> None:
    # 8 on time, 2 late: 0.8 × 20 = 16, minus 2 × 2 = 12
    r = compute_tier(facts(payments_on_time=8, payments_late=2), RULE)
    assert r.parts["payment"] == 12
    # only late payments: 0 − 5 × 2 = −10
    r = compute_tier(facts(spend_12m=Decimal("20000"), payments_late=5), RULE)
    assert (r.parts["payment"], r.score, r.tier) == (-10, 10, Tier.LEAD)


def test_bad_records_cap_at_brass() -> None:
    rich = {"spend_12m": Decimal("50000"), "customer_since": dt.date(2020, 1, 1), "payments_on_time": 12}
    assert compute_tier(facts(**rich), RULE).score == 90
    one = compute_tier(facts(bad_records_3y=1, **rich), RULE)
    assert (one.tier, one.score) == (Tier.DIAMOND, 75)
    two = compute_tier(facts(bad_records_3y=2, **rich), RULE)
    assert two.score == 60  # gold by points ...
    assert two.tier == Tier.BRASS  # ... but two bad records cap the tier at brass
    assert two.parts["bad_records"] == -30


def test_bad_records_do_not_lift_a_lead() -> None:
    r = compute_tier(facts(bad_records_3y=3), RULE)
    assert (r.tier, r.score) == (Tier.LEAD, -45)


def test_configurable_rule() -> None:
    strict = TierRule(diamond_min=100, gold_min=60, brass_min=30, spend_unit=Decimal("500"))
    r = compute_tier(facts(spend_12m=Decimal("20000")), strict)  # 40 points
    assert (r.score, r.tier) == (40, Tier.BRASS)
    assert compute_tier(facts(spend_12m=Decimal("5000")), TierRule(spend_unit=Decimal("0"))).score == 0


@pytest.mark.parametrize(
    ("since", "today", "years"),
    [
        (dt.date(2020, 2, 29), dt.date(2021, 2, 28), 0),
        (dt.date(2020, 2, 29), dt.date(2021, 3, 1), 1),
        (dt.date(2021, 3, 1), dt.date(2026, 3, 1), 5),
        (dt.date(2027, 1, 1), dt.date(2026, 3, 1), 0),  # a future start never gives negative years
    ],
)
def test_full_years(since: dt.date, today: dt.date, years: int) -> None:
    assert full_years(since, today) == years


amounts = st.decimals(min_value=0, max_value=200_000, places=2, allow_nan=False, allow_infinity=False)
fact_strategy = st.builds(
    ArchiveFacts,
    today=st.just(TODAY),
    customer_since=st.dates(min_value=dt.date(1995, 1, 1), max_value=TODAY),
    spend_12m=amounts,
    payments_on_time=st.integers(0, 40),
    payments_late=st.integers(0, 40),
    bad_records_3y=st.integers(0, 6),
)


def _with(f: ArchiveFacts, **kw: object) -> ArchiveFacts:
    data = dict(f.__dict__)
    data.update(kw)
    return ArchiveFacts(**data)  # type: ignore[arg-type]


@given(fact_strategy, amounts)
def test_more_spend_never_lowers_the_tier(f: ArchiveFacts, extra: Decimal) -> None:
    more = _with(f, spend_12m=f.spend_12m + extra)
    assert RANK[compute_tier(more, RULE).tier] >= RANK[compute_tier(f, RULE).tier]


@given(fact_strategy, st.integers(1, 5))
def test_more_bad_records_never_raise_the_tier(f: ArchiveFacts, extra: int) -> None:
    more = _with(f, bad_records_3y=f.bad_records_3y + extra)
    assert RANK[compute_tier(more, RULE).tier] <= RANK[compute_tier(f, RULE).tier]


@given(fact_strategy, st.integers(1, 10))
def test_more_late_payments_never_raise_the_tier(f: ArchiveFacts, extra: int) -> None:
    more = _with(f, payments_late=f.payments_late + extra)
    assert RANK[compute_tier(more, RULE).tier] <= RANK[compute_tier(f, RULE).tier]


@given(fact_strategy)
def test_tier_matches_score_thresholds(f: ArchiveFacts) -> None:
    r = compute_tier(f, RULE)
    assert r.score == sum(r.parts.values())
    if f.bad_records_3y >= RULE.max_bad_records_for_top:
        assert r.tier in (Tier.BRASS, Tier.LEAD)
    elif r.score >= 70:
        assert r.tier == Tier.DIAMOND
    elif r.score < 15:
        assert r.tier == Tier.LEAD


# --- phone / e-mail archive keys -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000", " +86 (138) 0013 8000 "],
)
def test_phone_forms_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+8613800138000"


def test_landline_with_area_code() -> None:
    assert normalize_phone("010-6552 9988") == "+861065529988"


@pytest.mark.parametrize("raw", ["", "   ", "12345", "abc", "1380013800", "+86 999 9999 9999 9"])
def test_invalid_phone(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_email_key() -> None:
    assert normalize_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"
    assert normalize_email("") == ""

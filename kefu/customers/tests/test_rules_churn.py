"""R-4 churn-risk indicator (pure rule): reasons, points, caps and thresholds."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.customers.rules import ArchiveFacts, ChurnRisk, compute_churn_risk

TODAY = dt.date(2026, 3, 1)
NEW = TODAY - dt.timedelta(days=100)  # less than a year: never "inactive"
OLD = dt.date(2020, 1, 1)


def facts(**kw: object) -> ArchiveFacts:
    base: dict[str, object] = {"today": TODAY, "customer_since": NEW}
    base.update(kw)
    return ArchiveFacts(**base)  # type: ignore[arg-type]


def test_new_quiet_customer_is_low_risk() -> None:
    r = compute_churn_risk(facts())
    assert (r.risk, r.score, r.reasons) == (ChurnRisk.LOW, 0, ())


@pytest.mark.parametrize(
    ("kw", "score", "reasons"),
    [
        ({"subscriptions_lapsed_12m": 1}, 30, ("lapsed_subscription",)),
        ({"subscriptions_lapsed_12m": 5}, 60, ("lapsed_subscription",)),  # capped
        ({"subscriptions_expiring_60d": 2}, 15, ("expiring_soon",)),
        ({"complaints_12m": 2}, 20, ("complaints",)),
        ({"complaints_12m": 9}, 30, ("complaints",)),
        ({"open_orders": 1}, 5, ("unresolved_orders",)),
        ({"open_orders": 7}, 15, ("unresolved_orders",)),
        ({"reopened_orders_12m": 1}, 10, ("reopened_orders",)),
        ({"reopened_orders_12m": 4}, 20, ("reopened_orders",)),
        ({"payments_late": 3}, 15, ("late_payments",)),
        ({"payments_late": 10}, 20, ("late_payments",)),
        ({"customer_since": OLD}, 10, ("inactive",)),
    ],
)
def test_each_reason(kw: dict[str, object], score: int, reasons: tuple[str, ...]) -> None:
    r = compute_churn_risk(facts(**kw))
    assert (r.score, r.reasons) == (score, reasons)


def test_expiring_but_renewed_is_not_a_reason() -> None:
    r = compute_churn_risk(facts(subscriptions_expiring_60d=1, renewals_12m=1))
    assert "expiring_soon" not in r.reasons
    assert r.reasons == ("renewals",)
    assert r.score == 0  # never negative


def test_loyalty_credits() -> None:
    r = compute_churn_risk(facts(complaints_12m=3, renewals_12m=1, purchases_12m=2))
    # 30 complaints − 10 renewal − 10 repeat purchases
    assert (r.score, r.risk) == (10, ChurnRisk.LOW)
    assert r.reasons == ("complaints", "renewals", "repeat_purchases")
    capped = compute_churn_risk(facts(complaints_12m=3, renewals_12m=5))
    assert capped.score == 10  # renewals credit at most −20


def test_one_purchase_is_not_repeat_but_not_inactive_either() -> None:
    r = compute_churn_risk(facts(customer_since=OLD, purchases_12m=1))
    assert (r.score, r.reasons) == (0, ())


@pytest.mark.parametrize(
    ("kw", "score", "risk"),
    [
        ({"complaints_12m": 2, "open_orders": 1}, 25, ChurnRisk.MEDIUM),  # exactly medium
        ({"complaints_12m": 2}, 20, ChurnRisk.LOW),
        ({"payments_late": 4, "open_orders": 1}, 25, ChurnRisk.MEDIUM),
        ({"subscriptions_lapsed_12m": 1, "complaints_12m": 2}, 50, ChurnRisk.HIGH),  # exactly high
        ({"subscriptions_lapsed_12m": 1, "payments_late": 3}, 45, ChurnRisk.MEDIUM),
        ({"subscriptions_lapsed_12m": 1, "payments_late": 3, "customer_since": OLD}, 55, ChurnRisk.HIGH),
    ],
)
def test_thresholds(kw: dict[str, object], score: int, risk: ChurnRisk) -> None:
    r = compute_churn_risk(facts(**kw))
    assert (r.score, r.risk) == (score, risk)


counts = st.integers(0, 8)
churn_facts = st.builds(
    ArchiveFacts,
    today=st.just(TODAY),
    customer_since=st.sampled_from([NEW, OLD]),
    purchases_12m=counts,
    subscriptions_expiring_60d=counts,
    subscriptions_lapsed_12m=counts,
    renewals_12m=counts,
    complaints_12m=counts,
    open_orders=counts,
    reopened_orders_12m=counts,
    payments_late=counts,
)
RANK = {ChurnRisk.LOW: 0, ChurnRisk.MEDIUM: 1, ChurnRisk.HIGH: 2}


@given(churn_facts, st.integers(1, 5))
def test_more_complaints_never_lower_the_risk(f: ArchiveFacts, extra: int) -> None:
    data = dict(f.__dict__, complaints_12m=f.complaints_12m + extra)
    assert RANK[compute_churn_risk(ArchiveFacts(**data)).risk] >= RANK[compute_churn_risk(f).risk]


@given(churn_facts)
def test_score_bounds(f: ArchiveFacts) -> None:
    r = compute_churn_risk(f)
    assert 0 <= r.score <= 60 + 15 + 30 + 15 + 20 + 20 + 10

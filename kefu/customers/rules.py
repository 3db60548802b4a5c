"""Pure rules of the customer archive: value tier (R-3), churn risk (R-4), phone/email keys.

No Django imports. The tier rule's parameters live in the ``TierPolicy`` row (editable in the admin)
and reach this module as a :class:`TierRule`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import phonenumbers


class Tier(StrEnum):
    DIAMOND = "diamond"  # 钻石
    GOLD = "gold"  # 黄金
    BRASS = "brass"  # 黄铜
    LEAD = "lead"  # 重铅


@dataclass(frozen=True)
class TierRule:
    """Points-based tier rule (documented in docs/user-guide.md, "Value tier").

    score = spend points + tenure points + payment points − bad-record penalty, where
      spend points   = min(spend in the last 12 months ÷ spend_unit, spend_cap)
      tenure points  = min(full years as customer × points_per_year, tenure_cap)
      payment points = on_time_share × payment_weight − late_count × late_penalty
      bad records    = bad_record_penalty × number of bad records in the last 3 years
    Tier = diamond if score ≥ diamond_min, gold if ≥ gold_min, brass if ≥ brass_min, else lead.
    A customer with ``max_bad_records_for_top`` or more bad records cannot be above brass.
    """

    spend_unit: Decimal = Decimal("1000")
    spend_cap: int = 50
    points_per_year: int = 4
    tenure_cap: int = 20
    payment_weight: int = 20
    late_penalty: int = 2
    bad_record_penalty: int = 15
    diamond_min: int = 70
    gold_min: int = 40
    brass_min: int = 15
    max_bad_records_for_top: int = 2


@dataclass(frozen=True)
class ArchiveFacts:
    """What the tier and churn rules need to know about one customer."""

    today: dt.date
    customer_since: dt.date
    spend_12m: Decimal = Decimal("0")
    payments_on_time: int = 0
    payments_late: int = 0
    bad_records_3y: int = 0
    purchases_12m: int = 0
    active_subscriptions: int = 0
    subscriptions_expiring_60d: int = 0
    subscriptions_lapsed_12m: int = 0
    renewals_12m: int = 0
    complaints_12m: int = 0
    open_orders: int = 0
    reopened_orders_12m: int = 0


@dataclass(frozen=True)
class TierResult:
    tier: Tier
    score: int
    parts: dict[str, int] = field(default_factory=dict)


def full_years(start: dt.date, today: dt.date) -> int:
    years = today.year - start.year - ((today.month, today.day) < (start.month, start.day))
    return max(years, 0)


def compute_tier(facts: ArchiveFacts, rule: TierRule) -> TierResult:
    """R-3: the value tier computed from spend, tenure, payment record and bad records."""
    spend = min(int(facts.spend_12m // rule.spend_unit), rule.spend_cap) if rule.spend_unit > 0 else 0
    tenure = min(full_years(facts.customer_since, facts.today) * rule.points_per_year, rule.tenure_cap)
    total_payments = facts.payments_on_time + facts.payments_late
    on_time_share = Decimal(facts.payments_on_time) / total_payments if total_payments else Decimal(0)
    payment = int(on_time_share * rule.payment_weight) - facts.payments_late * rule.late_penalty
    bad = facts.bad_records_3y * rule.bad_record_penalty
    score = spend + tenure + payment - bad
    if score >= rule.diamond_min:
        tier = Tier.DIAMOND
    elif score >= rule.gold_min:
        tier = Tier.GOLD
    elif score >= rule.brass_min:
        tier = Tier.BRASS
    else:
        tier = Tier.LEAD
    if facts.bad_records_3y >= rule.max_bad_records_for_top and tier in (Tier.DIAMOND, Tier.GOLD):
        tier = Tier.BRASS
    return TierResult(
        tier, score, {"spend": spend, "tenure": tenure, "payment": payment, "bad_records": -bad}
    )


class ChurnRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ChurnResult:
    risk: ChurnRisk
    score: int
    reasons: tuple[str, ...]


# Reason codes are translated for display by the caller.
def compute_churn_risk(facts: ArchiveFacts) -> ChurnResult:
    """R-4: a loyalty/churn-risk indicator from the archive.

    Points: lapsed subscription not renewed +30 each (max 60); subscription expiring within 60 days
    and no renewal in 12 months +15; complaints in 12 months +10 each (max 30); open orders +5 each
    (max 15); reopened orders +10 each (max 20); late payments +5 each (max 20); no purchase or
    renewal in 12 months for a customer with history +10. Loyalty credits: renewals −10 each
    (max −20), repeat purchases (≥2 in 12 months) −10.
    risk = high at ≥ 50, medium at ≥ 25, else low.
    """
    score = 0
    reasons: list[str] = []
    if facts.subscriptions_lapsed_12m:
        score += min(30 * facts.subscriptions_lapsed_12m, 60)
        reasons.append("lapsed_subscription")
    if facts.subscriptions_expiring_60d and not facts.renewals_12m:
        score += 15
        reasons.append("expiring_soon")
    if facts.complaints_12m:
        score += min(10 * facts.complaints_12m, 30)
        reasons.append("complaints")
    if facts.open_orders:
        score += min(5 * facts.open_orders, 15)
        reasons.append("unresolved_orders")
    if facts.reopened_orders_12m:
        score += min(10 * facts.reopened_orders_12m, 20)
        reasons.append("reopened_orders")
    if facts.payments_late:
        score += min(5 * facts.payments_late, 20)
        reasons.append("late_payments")
    if (
        not facts.purchases_12m
        and not facts.renewals_12m
        and full_years(facts.customer_since, facts.today) >= 1
    ):
        score += 10
        reasons.append("inactive")
    if facts.renewals_12m:
        score -= min(10 * facts.renewals_12m, 20)
        reasons.append("renewals")
    if facts.purchases_12m >= 2:
        score -= 10
        reasons.append("repeat_purchases")
    score = max(score, 0)
    risk = ChurnRisk.HIGH if score >= 50 else ChurnRisk.MEDIUM if score >= 25 else ChurnRisk.LOW
    return ChurnResult(risk, score, tuple(reasons))


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a phone number (``+8613800138000``); raises InvalidPhone."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Lower-cased, trimmed address (the archive key for e-mail)."""
    return (raw or "").strip().lower()


def is_mobile(e164: str) -> bool:
    """Whether a normalised number can take an SMS (a mobile number; not a landline)."""
    if not e164:
        return False
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )

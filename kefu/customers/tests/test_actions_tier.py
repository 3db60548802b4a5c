"""recompute_tier over real archive rows with a fixed ``today``; manual override and clearing it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.customers.actions import (
    archive_facts,
    deferred_tier_recompute,
    do_add_record,
    do_override_tier,
    recompute_tier,
)
from kefu.customers.models import BadRecord, Customer, Payment, Purchase, Subscription, TierPolicy
from kefu.lib.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)  # 12 months back: 2025-03-01; 3 years back: 2023-03-02
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def customer(world: Any) -> Customer:
    c = world.customer(customer_since=dt.date(2021, 3, 1))  # 5 full years on TODAY
    Purchase.objects.create(
        customer=c, product="光猫", quantity=2, unit_price=Decimal("5000"), purchased_on=dt.date(2025, 6, 1)
    )
    Purchase.objects.create(  # older than 12 months: no spend, no purchase count
        customer=c,
        product="旧设备",
        quantity=1,
        unit_price=Decimal("99999"),
        purchased_on=dt.date(2025, 2, 28),
    )
    Payment.objects.create(
        customer=c, amount=Decimal("20000"), due_date=dt.date(2025, 5, 1), paid_on=dt.date(2025, 4, 30)
    )
    Payment.objects.create(
        customer=c, amount=Decimal("1000"), due_date=dt.date(2025, 9, 1), paid_on=dt.date(2025, 9, 10)
    )
    Payment.objects.create(customer=c, amount=Decimal("300"), due_date=dt.date(2026, 2, 1))  # unpaid, overdue
    Payment.objects.create(customer=c, amount=Decimal("300"), due_date=dt.date(2026, 4, 1))  # not yet due
    BadRecord.objects.create(customer=c, recorded_on=dt.date(2024, 1, 1), kind="欠费")
    BadRecord.objects.create(customer=c, recorded_on=dt.date(2022, 1, 1), kind="欠费")  # older than 3 years
    lapsed = Subscription.objects.create(
        customer=c,
        product="电视",
        start_date=dt.date(2025, 1, 1),
        expiry_date=dt.date(2026, 1, 31),
        created_at=NOW,
    )
    Subscription.objects.create(
        customer=c,
        product="宽带",
        start_date=dt.date(2025, 3, 15),
        expiry_date=dt.date(2026, 4, 15),
        created_at=NOW,
    )
    assert lapsed.pk
    return c


def test_archive_facts(customer: Customer) -> None:
    f = archive_facts(customer, TODAY)
    assert f.spend_12m == Decimal("31000")  # 2 × 5000 purchases + 20000 + 1000 paid in 12 months
    assert (f.payments_on_time, f.payments_late) == (1, 2)  # paid late + unpaid overdue
    assert f.bad_records_3y == 1
    assert f.purchases_12m == 1
    assert (f.active_subscriptions, f.subscriptions_expiring_60d, f.subscriptions_lapsed_12m) == (1, 1, 1)
    assert f.renewals_12m == 0
    assert f.open_orders == 0


def test_recompute_worked_example(world: Any, customer: Customer) -> None:
    world.order(customer)  # one open order
    c = recompute_tier(customer, today=TODAY)
    # spend 31 + tenure 20 + payment (int(1/3 × 20) = 6 − 2 × 2 = 2) − 15 bad record = 38
    assert (c.tier_computed, c.tier_score, c.tier) == ("brass", 38, "brass")
    # lapsed 30 + expiring 15 + open order 5 + late payments 10 = 60
    assert (c.churn_risk, c.churn_score) == ("high", 60)
    assert c.churn_reasons == ["lapsed_subscription", "expiring_soon", "unresolved_orders", "late_payments"]
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.tier, fresh.tier_score, fresh.churn_risk) == ("brass", 38, "high")


def test_renewal_and_more_spend_change_the_result(world: Any, customer: Customer) -> None:
    lapsed = Subscription.objects.get(customer=customer, product="电视")
    Subscription.objects.create(
        customer=customer, product="电视", start_date=dt.date(2026, 2, 1), renewed_from=lapsed, created_at=NOW
    )
    Purchase.objects.create(
        customer=customer,
        product="机顶盒",
        quantity=1,
        unit_price=Decimal("20000"),
        purchased_on=dt.date(2026, 1, 5),
    )
    c = recompute_tier(customer, today=TODAY)
    # spend 51000 → capped 50; 50 + 20 + 2 − 15 = 57
    assert (c.tier_computed, c.tier_score) == ("gold", 57)
    # lapsed subscription was renewed; renewal credit −10; 2 purchases −10; late 10 → 0
    assert c.churn_reasons == ["late_payments", "renewals", "repeat_purchases"]
    assert (c.churn_score, c.churn_risk) == (0, "low")


def test_second_bad_record_caps_at_brass(customer: Customer) -> None:
    Purchase.objects.create(
        customer=customer,
        product="机顶盒",
        quantity=1,
        unit_price=Decimal("40000"),
        purchased_on=dt.date(2026, 1, 5),
    )
    assert recompute_tier(customer, today=TODAY).tier_computed == "gold"  # 50 + 20 + 2 − 15 = 57
    BadRecord.objects.create(customer=customer, recorded_on=dt.date(2025, 12, 1), kind="恶意投诉")
    c = recompute_tier(customer, today=TODAY)
    assert (c.tier_score, c.tier_computed) == (42, "brass")  # 42 would be gold, 2 bad records cap it


def test_policy_row_is_used(customer: Customer) -> None:
    TierPolicy.objects.create(gold_min=30, diamond_min=90, brass_min=10)
    assert recompute_tier(customer, today=TODAY).tier_computed == "gold"  # 38 ≥ 30


def test_adding_a_record_recomputes(world: Any) -> None:
    c = world.customer()
    assert Customer.objects.get(pk=c.pk).tier_computed == "lead"
    do_add_record(
        world.agent.user,
        c.pk,
        "purchase",
        {
            "product": "光纤升级",
            "quantity": 1,
            "unit_price": Decimal("45000"),
            "purchased_on": timezone.localdate(),
        },
    )
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.tier_computed, fresh.tier_score, fresh.tier) == ("gold", 45, "gold")


def test_deferred_recompute_waits_for_the_caller(world: Any) -> None:
    c = world.customer()
    purchase = {
        "product": "光纤升级",
        "quantity": 1,
        "unit_price": Decimal("45000"),
        "purchased_on": timezone.localdate(),
    }
    before = AuditRecord.objects.filter(action="customer.tier_recomputed").count()
    with deferred_tier_recompute():
        do_add_record(world.agent.user, c.pk, "purchase", purchase)
        assert recompute_tier(Customer.objects.get(pk=c.pk)).tier_computed == "lead"  # no-op here
        fresh = Customer.objects.get(pk=c.pk)
        assert (fresh.tier_computed, fresh.tier_score, fresh.tier) == ("lead", 0, "lead")
    assert AuditRecord.objects.filter(action="customer.tier_recomputed").count() == before
    recompute_tier(fresh)  # the caller's one recomputation after the block
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.tier_computed, fresh.tier_score, fresh.tier) == ("gold", 45, "gold")
    other = world.customer()
    do_add_record(world.agent.user, other.pk, "purchase", purchase)
    assert Customer.objects.get(pk=other.pk).tier_computed == "gold"  # the block has ended


def test_override_and_clear(world: Any, customer: Customer) -> None:
    recompute_tier(customer, today=TODAY)
    c = do_override_tier(world.supervisor.user, customer.pk, "diamond", "  重要政企客户 ")
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.tier, fresh.tier_override, fresh.tier_override_reason, fresh.tier_computed) == (
        "diamond",
        "diamond",
        "重要政企客户",
        "brass",
    )
    rec = AuditRecord.objects.get(action="customer.tier_override")
    assert rec.actor == world.supervisor.user
    assert rec.before == {"tier": "brass", "tier_override": "", "tier_override_reason": ""}
    assert rec.after == {
        "tier": "diamond",
        "tier_override": "diamond",
        "tier_override_reason": "重要政企客户",
    }
    # recomputation keeps the override (while the computed tier moves: 50 + 20 + 2 − 15 = 57)
    Purchase.objects.create(
        customer=fresh,
        product="机顶盒",
        quantity=1,
        unit_price=Decimal("40000"),
        purchased_on=dt.date(2026, 1, 5),
    )
    fresh = recompute_tier(fresh, today=TODAY)
    assert (fresh.tier, fresh.tier_computed, fresh.tier_score) == ("diamond", "gold", 57)
    # clearing the override restores the computed tier
    do_override_tier(world.admin.user, customer.pk, "", "")
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.tier, fresh.tier_override, fresh.tier_override_reason) == ("gold", "", "")
    assert AuditRecord.objects.filter(action="customer.tier_override").count() == 2


@pytest.mark.parametrize(
    ("persona", "tier", "reason", "exc", "code"),
    [
        ("supervisor", "gold", "  ", ValidationFailed, "reason_required"),
        ("supervisor", "platinum", "VIP", ValidationFailed, "invalid_choice"),
        ("agent", "gold", "VIP", PermissionDenied, "forbidden"),
        ("technician", "gold", "VIP", PermissionDenied, "forbidden"),
        ("supervisor_south", "gold", "VIP", Exception, "not_found"),
    ],
)
def test_override_refused(
    world: Any, customer: Customer, persona: str, tier: str, reason: str, exc: type[Exception], code: str
) -> None:
    recompute_tier(customer, today=TODAY)
    with pytest.raises(exc) as info:
        do_override_tier(getattr(world, persona).user, customer.pk, tier, reason)
    assert info.value.code == code  # type: ignore[attr-defined]
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.tier, fresh.tier_override) == ("brass", "")
    assert not AuditRecord.objects.filter(action="customer.tier_override").exists()


def test_tier_change_is_logged_once(world: Any, customer: Customer) -> None:
    recompute_tier(customer, today=TODAY)
    rec = AuditRecord.objects.get(action="customer.tier_recomputed", customer_id=customer.pk)
    assert rec.actor is None and rec.actor_label == "system"
    assert rec.before == {"tier": "lead", "tier_computed": "lead", "churn_risk": "low"}
    assert rec.after is not None
    assert (
        rec.after["tier"] == "brass" and rec.after["churn_risk"] == "high" and rec.after["tier_score"] == 38
    )
    # nothing moved: nothing logged
    recompute_tier(Customer.objects.get(pk=customer.pk), today=TODAY)
    assert AuditRecord.objects.filter(action="customer.tier_recomputed").count() == 1


def test_reopened_orders_count_even_after_they_are_resolved_again(world: Any, customer: Customer) -> None:
    from kefu.workorders.actions import do_transition

    o = world.order(customer)
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    do_transition(world.agent.user, o.pk, "reopened", reason="回访未解决")
    assert archive_facts(customer, TODAY).reopened_orders_12m == 1
    do_transition(world.agent.user, o.pk, "resolved", resolution="二次上门")
    do_transition(world.agent.user, o.pk, "reopened", reason="又坏了")
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换线路")
    f = archive_facts(customer, TODAY)
    assert (f.reopened_orders_12m, f.open_orders) == (1, 0)  # one order, now resolved
    assert "reopened_orders" in recompute_tier(customer, today=TODAY).churn_reasons

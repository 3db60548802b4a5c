"""The demo data set (kefu/demo/): complete, consistent, played through the real actions."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.customers.models import (
    Contact,
    ContactPerson,
    Contract,
    Customer,
    Payment,
    Relationship,
    Subscription,
)
from kefu.customers.rules import Tier
from kefu.demo import DEMO_PASSWORD, PORTAL_LOGINS, demo_logins, load_demo
from kefu.lib import search
from kefu.organization.models import Branch, Company, NumberSequence, Outlet, ServiceArea, Staff
from kefu.workorders.access import visible_workorders
from kefu.workorders.models import Escalation, TimelineEntry, Transfer, WorkOrder
from kefu.workorders.rules import OrderType, Status

NUMBER = re.compile(r"^GD-(\d{8})-(\d{6})$")


def test_demo_logins_cover_every_role_and_the_portal() -> None:
    logins = demo_logins()
    assert {
        "demo_admin",
        "gm",
        "sup_north",
        "sup_south",
        "agent1",
        "tech1",
        "followup1",
        "inspector1",
        "hotline1",
    } <= set(logins)
    assert logins[-5:] == ["cust1", "cust2", "cust3", "cust4", "cust5"] == PORTAL_LOGINS
    assert len(logins) == len(set(logins))


@pytest.mark.django_db
def test_demo_data_set(client) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    result = load_demo(customers=40, orders=120, stdout=out)
    now = timezone.now()
    tz = timezone.get_default_timezone()

    assert result["skipped"] is False
    # 40 + the two WeChat placeholders of kefu.demo.merges (one merged, one a duplicate candidate)
    assert result["customers"] == Customer.objects.count() == 42
    # the asked-for 120 plus the orders of the demo's safety-check campaign (kefu.demo.campaigns)
    campaign = WorkOrder.objects.filter(appointments__campaign_visit__isnull=False).distinct().count()
    assert campaign > 0
    assert result["orders"] == WorkOrder.objects.count() == 120 + campaign
    assert "[demo] done in" in out.getvalue()

    # organisation
    assert Company.objects.get().hotline == "96777"
    assert set(Branch.objects.values_list("name", flat=True)) == {"城北分公司", "城南分公司"}
    assert set(Branch.objects.values_list("time_zone", flat=True)) == {"Asia/Shanghai"}
    assert (
        Outlet.objects.filter(opening_hours="周一至周日 08:30–17:30").count() == Outlet.objects.count() >= 4
    )
    assert ServiceArea.objects.count() == 6
    assert set(ServiceArea.objects.values_list("kind", flat=True)) == {"urban", "rural"}
    for area in ServiceArea.objects.all():
        assert 1500 <= area.households <= 5000
        assert area.responsible.exists()
    assert Staff.objects.count() == 17  # with the hotline agent (kefu/demo/hotline.py)
    assert set(Staff.objects.values_list("role", flat=True)) == {
        "admin",
        "supervisor",
        "agent",
        "technician",
        "followup",
        "inspector",
        "hotline",
    }
    gm = Staff.objects.get(user__username="gm")
    assert gm.branch_id is None and gm.role == "supervisor"
    leader = Staff.objects.get(user__username="agent1").leader
    assert leader is not None and leader.user.username == "sup_north"
    assert all(re.fullmatch(r"BJ\d{4}", b) for b in Staff.objects.values_list("badge_no", flat=True))

    # customers: every relationship type and every tier, the tier computed by the rule
    assert set(Customer.objects.values_list("relationship", flat=True)) == set(Relationship.values)
    assert set(Customer.objects.values_list("tier_computed", flat=True)) == {t.value for t in Tier}
    assert set(Customer.objects.values_list("tier", flat=True)) == {t.value for t in Tier}
    overridden = Customer.objects.exclude(tier_override="")
    assert overridden.exists()
    assert all(c.tier_override_reason and c.tier == c.tier_override for c in overridden)
    archive = Customer.objects.exclude(name__startswith="WeChat user")  # kefu.demo.merges' placeholders
    assert all(c.area_id is not None for c in archive)
    assert all(c.phone_e164.startswith("+861") for c in archive)
    assert Subscription.objects.filter(renewed_from__isnull=False).exists()
    assert Contract.objects.filter(customer__relationship=Relationship.BUSINESS).exists()
    assert ContactPerson.objects.exists()
    today = timezone.localdate()
    assert Payment.objects.filter(paid_on__lte=F("due_date")).exists()
    assert Payment.objects.filter(paid_on__gt=F("due_date")).exists()
    assert Payment.objects.filter(paid_on__isnull=True, due_date__lt=today).exists()
    assert AuditRecord.objects.filter(action="customer.add_payment").count() == Payment.objects.count()

    # catalog details and proactive service
    from kefu.channels.models import OutboxMessage
    from kefu.commitments.models import CarePlan, PlannedMaintenance, ServiceFee, ServiceMaterial, ServiceStep

    assert set(ServiceMaterial.objects.filter(service__code="ownership").values_list("name", flat=True)) >= {
        "原户主身份证",
        "新户主身份证",
        "房产证",
    }
    assert ServiceStep.objects.filter(service__code="install-urban").count() == 5
    assert ServiceFee.objects.filter(service__code="meter-replace", amount=Decimal("150.00")).exists()
    assert CarePlan.objects.filter(active=True, next_due__gt=today).exists()
    m = PlannedMaintenance.objects.get()
    assert m.starts_at - now > dt.timedelta(hours=24) and m.customers_notified > 0
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"maintenance:{m.pk}:").count() == (
        Customer.objects.filter(area__in=m.areas.all()).count()
    )

    # time limits: clocks on the orders, an approved and a pending extension, an unreachable report
    from kefu.commitments.models import ExtensionRequest, OrderClock

    assert OrderClock.objects.filter(kind="resolution", status="running").exists()
    assert {"approved", "pending"} <= set(ExtensionRequest.objects.values_list("status", flat=True))
    assert OrderClock.objects.exclude(unreachable_report="").count() == 1

    # orders: every type in every status, all with an owner, consistent times and numbers
    assert set(WorkOrder.objects.values_list("order_type", flat=True)) == {t.value for t in OrderType}
    # an installation is of the kind of the customer's area (urban/rural from the area, no override)
    installs = WorkOrder.objects.filter(order_type__startswith="install_").select_related("customer__area")
    assert installs and all(
        o.customer.area is not None
        and o.order_type == f"install_{o.customer.area.kind}" == f"install_{o.area_kind}"
        and not o.area_kind_reason
        for o in installs
    )
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {s.value for s in Status}
    assert not WorkOrder.objects.filter(owner__isnull=True).exists()
    per_day: dict[str, int] = {}
    for o in WorkOrder.objects.all():
        number = NUMBER.match(o.number)
        assert number, o.number
        assert number.group(1) == timezone.localtime(o.received_at, tz).strftime("%Y%m%d"), o.number
        per_day[number.group(1)] = max(per_day.get(number.group(1), 0), int(number.group(2)))
        assert now - dt.timedelta(days=190) < o.received_at <= o.created_at <= o.updated_at <= now
        if o.first_response_at:
            assert o.created_at <= o.first_response_at <= now
        if o.resolved_at:
            assert o.created_at <= o.resolved_at
            if o.first_response_at:
                assert o.first_response_at <= o.resolved_at
        if o.closed_at:
            assert o.created_at <= o.closed_at <= now
            if o.resolved_at:
                assert o.resolved_at <= o.closed_at
        if o.status == Status.CLOSED:
            assert o.closed_at is not None and o.close_reason
        if o.status == Status.RESOLVED:
            assert o.resolved_at is not None and o.resolution
    # later real orders continue the day's counter instead of colliding
    for day, last in per_day.items():
        assert NumberSequence.objects.get(key=f"GD-{day}").value == last
    assert WorkOrder.objects.filter(merged_into__isnull=False, close_reason="duplicate").exists()
    # "any customer can talk to the president": one handled, one waiting on the general manager
    assert set(
        Escalation.objects.filter(to_president=True).values_list("leader__user__username", flat=True)
    ) == {"gm"}
    assert Escalation.objects.filter(to_president=True, handled_at__isnull=True).exists()
    assert Escalation.objects.filter(to_president=True, handled_at__isnull=False).exists()
    assert Escalation.objects.filter(handled_at__isnull=False).exists()
    assert Transfer.objects.filter(to_department__name="维修班").exists()
    # the supervision history (kefu/demo/supervision.py) is spread over the history, not one batch at the
    # end: accountability records and automatic escalations on several days, most dealt with
    from collections import Counter

    from kefu.supervision.models import AccountabilityRecord, SupervisionNotice

    records = list(AccountabilityRecord.objects.all())
    # today's records are the present: the supervision jobs run once at the end of the load (kefu.demo.quiet)
    # for the deadlines passed since the history's steps, so the first start sends nothing for them
    today = timezone.localtime(now, tz).date()
    past = [r for r in records if timezone.localtime(r.created_at, tz).date() < today]
    record_days = Counter(timezone.localtime(r.created_at, tz).date() for r in past)
    assert len(record_days) >= 5 and max(record_days.values()) <= max(3, len(past) // 4), record_days
    assert sum(r.status == "closed" for r in past) > len(past) // 2
    automatic = [
        e
        for e in Escalation.objects.filter(raised_by__isnull=True)
        if timezone.localtime(e.created_at, tz).date() < today
    ]
    assert len({timezone.localtime(e.created_at, tz).date() for e in automatic}) >= 3
    assert sum(e.handled_at is not None for e in automatic) > len(automatic) // 2
    assert SupervisionNotice.objects.filter(status="answered").exists()

    # timeline, audit and contact history are real, and never before the order or in the future
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.REPLY).exists()
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.NOTE).exists()
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.CUSTOMER).exists()
    assert not TimelineEntry.objects.filter(created_at__lt=F("workorder__created_at")).exists()
    assert not TimelineEntry.objects.filter(created_at__gt=now).exists()
    assert AuditRecord.objects.filter(action="order.create").count() == 120 + campaign
    assert not AuditRecord.objects.filter(at__gt=now).exists()
    assert Contact.objects.filter(direction=Contact.Direction.OUTBOUND).exists()
    first = WorkOrder.objects.order_by("received_at").first()
    assert first is not None
    assert AuditRecord.objects.get(action="order.create", workorder_id=first.pk).at == first.created_at

    # search finds Chinese substrings of the generated texts
    assert search.filter_queryset(WorkOrder.objects.all(), "燃气").exists()
    probe = WorkOrder.objects.order_by("id")[7]
    assert probe in search.filter_queryset(WorkOrder.objects.all(), probe.title[:2])
    assert probe in search.filter_queryset(WorkOrder.objects.all(), probe.title)
    assert probe in search.filter_queryset(WorkOrder.objects.all(), probe.number)

    # portal customers and staff log in with the demo password; a customer sees only their orders
    for username in [*PORTAL_LOGINS, "agent1", "demo_admin"]:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    cust = Customer.objects.get(user__username="cust1")
    assert cust.user is not None
    mine = visible_workorders(cust.user)
    assert mine.exists()
    assert set(mine.values_list("customer_id", flat=True)) == {cust.pk}

    # a second call changes nothing
    again = load_demo(customers=40, orders=120)
    assert again["skipped"] is True
    assert WorkOrder.objects.count() == 120 + campaign and Customer.objects.count() == 42

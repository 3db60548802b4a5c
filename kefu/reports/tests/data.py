"""Report test data with answers known in advance (March 2026, Asia/Shanghai).

Area n1 (北城 和平里片区, 4,000 households — no longer a denominator), responsible: the agent 李客服,
served by the outlet 和平里营业厅, which received orders 0–9 at its counter.

- Complaint rate: 6 complaints ÷ 95 customers active on 31 March (80 steady, 10 renewed, 5 new; the 10
  churned on 15 March are not) → 63.2 ‰.
- 40 orders received in March (one at 00:00 on 1 March), 6 of them complaints (4 owned by the agent,
  2 by 赵客服); 30 answered within 24 h (one exactly at 24 h), 5 answered after 25 h, 5 not answered;
  outside the month: one at 23:59 on 28 February, one at 00:00 on 1 April, one merged duplicate in March.
- Resolution clocks of n1 orders stopped in March: 15 met, 1 met (customer unreachable), 4 late → 16/20;
  not counted: 2 cancelled, 3 running, 1 met on 1 April.
- Follow-up tasks due in March: 8 done, 1 unreachable, 1 open → 9/10; 1 cancelled not counted.
- Survey answers in March: CSAT on 8 (6 of them 4–5) → 75 %; NPS on 10 (5 promoters, 3 passives,
  2 detractors) → 30.
- Complaint causes: 3 staff attitude, 1 billing error, 1 quality, 1 not classified.
- Customers: 80 with a subscription running throughout, 10 whose subscription expired on 15 March
  (not renewed), 10 whose subscription expired on 20 March and was renewed → 100 active on 1 March,
  90 on 31 March (retention 90 %), renewal 10/20 = 50 %; 5 new customers since March (growth 5/100).

Area n2 (3,900 households): 20 customers, 10 orders in March, 1 complaint → 1/20.
Area s1 (south, 1,800 households): 10 customers, 5 orders in March, 2 complaints → 2/10.
Survey answers become satisfaction records (source: survey on the portal) as ``do_submit_response`` makes
them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction

from kefu.commitments.models import BusinessCalendar, OrderClock
from kefu.complaints.models import ComplaintCause, ComplaintRecord
from kefu.complaints.taxonomy import ensure_causes
from kefu.customers.models import Customer, Subscription
from kefu.followup.models import FollowupTask
from kefu.organization.models import Outlet, ServiceArea, Staff
from kefu.surveys.actions import record_response
from kefu.surveys.models import Invitation, Response, Survey
from kefu.testing.factories import World
from kefu.workorders.models import WorkOrder

TZ = ZoneInfo("Asia/Shanghai")
COMPLAINT_ORDERS = (3, 9, 15, 31, 36, 38)
SENIOR_ORDERS = (7, 17, 27, 31, 36, 37)  # owned by 赵客服, the rest of the 40 by 李客服
_n = itertools.count(1)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


@dataclass
class Known:
    n1_orders: list[WorkOrder] = field(default_factory=list)
    n1_complaints: list[WorkOrder] = field(default_factory=list)
    n1_answered: list[WorkOrder] = field(default_factory=list)
    n1_customers: list[Customer] = field(default_factory=list)
    outlet: Outlet | None = None


def customers(world: World, area: ServiceArea, count: int, since: dt.date, prefix: str) -> list[Customer]:
    now = at(2025, 1, 1)
    rows = [
        Customer(
            number=f"KH{prefix}{next(_n):06d}",
            name=f"{area.name}客户{i}",
            branch_id=area.branch_id,
            area=area,
            customer_since=since,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]
    return Customer.objects.bulk_create(rows)


def subs(cs: list[Customer], start: dt.date, expiry: dt.date | None) -> list[Subscription]:
    return Subscription.objects.bulk_create(
        [
            Subscription(
                customer=c,
                product="宽带100M",
                start_date=start,
                expiry_date=expiry,
                created_at=at(2025, 1, 1),
            )
            for c in cs
        ]
    )


def order(
    c: Customer,
    owner: Staff,
    received: dt.datetime,
    *,
    order_type: str = "fault_general",
    first_response: dt.datetime | None = None,
    merged_into: WorkOrder | None = None,
) -> WorkOrder:
    return WorkOrder(
        number=f"GD-{received:%Y%m%d}-{next(_n):06d}",
        order_type=order_type,
        channel="phone",
        customer=c,
        branch_id=c.branch_id,
        area_id=c.area_id,
        title="宽带无法上网" if order_type != "complaint" else "投诉：装维人员态度差",
        description="测试",
        status="in_progress",
        owner=owner,
        received_at=received,
        created_at=received,
        updated_at=received,
        first_response_at=first_response,
        merged_into=merged_into,
    )


def clock(
    o: WorkOrder, status: str, stopped: dt.datetime | None, cal: BusinessCalendar, rnd: int = 1
) -> OrderClock:
    return OrderClock(
        workorder=o,
        kind="resolution",
        round=rnd,
        unit="calendar_hours",
        amount=24,
        calendar=cal,
        started_at=o.received_at,
        stopped_at=stopped,
        due_at=o.received_at + dt.timedelta(hours=24),
        status=status,
        created_at=o.received_at,
        updated_at=o.received_at,
    )


def build(world: World) -> Known:
    k = Known()
    n1, n2, s1 = world.area_n1, world.area_n2, world.area_s1
    k.outlet = Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号")
    n1.households = 4000
    n1.outlet = k.outlet
    n1.save(update_fields=["households", "outlet"])
    n1.responsible.add(world.agent)
    n2.responsible.add(world.agent_senior)
    s1.responsible.add(world.agent_south)

    # customers of n1
    steady = customers(world, n1, 80, dt.date(2025, 1, 1), "A")
    churned = customers(world, n1, 10, dt.date(2025, 3, 16), "B")
    renewing = customers(world, n1, 10, dt.date(2025, 3, 20), "C")
    new = customers(world, n1, 5, dt.date(2026, 3, 10), "D")
    subs(steady, dt.date(2025, 1, 1), None)
    subs(churned, dt.date(2025, 3, 16), dt.date(2026, 3, 15))
    old = subs(renewing, dt.date(2025, 3, 20), dt.date(2026, 3, 20))
    Subscription.objects.bulk_create(
        [
            Subscription(
                customer_id=s.customer_id,
                product=s.product,
                start_date=dt.date(2026, 3, 21),
                expiry_date=dt.date(2027, 3, 20),
                renewed_from=s,
                created_at=at(2026, 3, 19),
            )
            for s in old
        ]
    )
    subs(new, dt.date(2026, 3, 10), None)
    k.n1_customers = steady + churned + renewing + new
    n2_c = customers(world, n2, 20, dt.date(2025, 1, 1), "E")
    subs(n2_c, dt.date(2025, 1, 1), None)
    s1_c = customers(world, s1, 10, dt.date(2025, 1, 1), "F")
    subs(s1_c, dt.date(2025, 1, 1), None)

    # 40 orders of n1 in March
    rows: list[WorkOrder] = []
    for i in range(40):
        received = at(2026, 3, 1, 0, 0) if i == 0 else at(2026, 3, 1 + i % 28, 9 + i % 8)
        if i < 29:
            fr: dt.datetime | None = received + dt.timedelta(hours=2)
        elif i == 29:
            fr = received + dt.timedelta(hours=24)  # exactly 24 h counts
        elif i < 35:
            fr = received + dt.timedelta(hours=25)
        else:
            fr = None
        is_complaint = i in COMPLAINT_ORDERS
        owner = world.agent_senior if i in SENIOR_ORDERS else world.agent
        o_ = order(
            k_customer(steady, i),
            owner,
            received,
            order_type="complaint" if is_complaint else "fault_general",
            first_response=fr,
        )
        if i < 10:
            o_.channel, o_.outlet = "counter", k.outlet
        rows.append(o_)
    k.n1_orders = WorkOrder.objects.bulk_create(rows)
    k.n1_complaints = [o for o in k.n1_orders if o.order_type == "complaint"]
    k.n1_answered = k.n1_orders[:30]
    # outside March / merged
    WorkOrder.objects.bulk_create(
        [
            order(steady[0], world.agent, at(2026, 2, 28, 23, 59), order_type="complaint"),
            order(steady[0], world.agent, at(2026, 4, 1, 0, 0), order_type="complaint"),
            order(steady[1], world.agent, at(2026, 3, 5), order_type="complaint", merged_into=k.n1_orders[3]),
        ]
    )
    # n2 and s1
    WorkOrder.objects.bulk_create(
        [
            order(
                n2_c[i],
                world.agent_senior,
                at(2026, 3, 3 + i),
                order_type="complaint" if i == 0 else "inquiry",
            )
            for i in range(10)
        ]
        + [
            order(
                s1_c[i], world.agent_south, at(2026, 3, 3 + i), order_type="complaint" if i < 2 else "inquiry"
            )
            for i in range(5)
        ]
    )

    # causes of n1's complaints: 3 staff attitude, 1 billing error, 1 quality, 1 not classified yet
    ensure_causes()
    causes = {
        c.code: c for c in ComplaintCause.objects.filter(code__in=["attitude", "billing-error", "quality"])
    }
    ComplaintRecord.objects.bulk_create(
        [
            ComplaintRecord(workorder=o, cause=causes[code], classified_at=o.received_at)
            for o, code in zip(
                k.n1_complaints,
                ["attitude", "attitude", "billing-error", "attitude", "quality"],
                strict=False,
            )
        ]
    )

    # clocks of n1 orders
    cal = BusinessCalendar.objects.order_by("pk").first()
    assert cal is not None
    clocks = []
    o = k.n1_orders
    for i in range(15):
        clocks.append(clock(o[i], "met", at(2026, 3, 20), cal))
    clocks.append(clock(o[15], "met_unreachable", at(2026, 3, 21), cal))
    for i in range(16, 20):
        clocks.append(clock(o[i], "late", at(2026, 3, 25), cal))
    clocks += [
        clock(o[20], "cancelled", at(2026, 3, 10), cal),
        clock(o[21], "cancelled", at(2026, 3, 11), cal),
    ]
    clocks += [clock(o[i], "running", None, cal) for i in (22, 23, 24)]
    clocks.append(clock(o[25], "met", at(2026, 4, 1, 0, 0), cal))
    OrderClock.objects.bulk_create(clocks)

    # follow-up tasks due in March
    tasks = []
    for i in range(11):
        status = "done" if i < 8 else "unreachable" if i == 8 else "open" if i == 9 else "cancelled"
        due = at(2026, 3, 5 + i)
        tasks.append(
            FollowupTask(
                key=f"order:{o[i].pk}:1",
                kind="order",
                workorder=o[i],
                customer_id=o[i].customer_id,
                branch_id=o[i].branch_id,
                assignee=world.followup,
                status=status,
                created_at=due - dt.timedelta(days=3),
                resolved_at=due - dt.timedelta(days=3),
                due_at=due,
                finished_at=due - dt.timedelta(hours=1) if status in ("done", "unreachable") else None,
            )
        )
    FollowupTask.objects.bulk_create(tasks)

    # survey answers in March
    survey = Survey.objects.order_by("pk").first() or Survey.objects.create(code="t", name="满意度调查")
    csat = [5, 5, 4, 4, 4, 4, 3, 1, None, None]
    nps = [10, 9, 9, 10, 9, 8, 7, 7, 3, 6]
    for i in range(10):
        inv = Invitation.objects.create(
            token=f"tok{next(_n)}",
            survey=survey,
            workorder=o[i],
            customer_id=o[i].customer_id,
            trigger="resolution",
            staff=world.agent,
            channel="portal",
            created_at=at(2026, 3, 2),
            expires_at=at(2026, 4, 30),
            answered_at=at(2026, 3, 10 + i),
        )
        resp = Response.objects.create(
            invitation=inv, survey=survey, submitted_at=at(2026, 3, 10 + i), csat=csat[i], nps=nps[i]
        )
        with transaction.atomic():  # as inside do_submit_response (a low answer writes the service log)
            record_response(resp, inv)
    return k


def k_customer(cs: list[Customer], i: int) -> Customer:
    return cs[i % len(cs)]

"""Demo commitments: the service catalogue with its materials, steps and fees (R-11, R-17), care plans and
an announced maintenance (R-17, R-18), extension requests and an unreachable report on fresh
installations (R-14, R-15)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kefu.commitments.clocks import (
    do_decide_extension,
    do_report_unreachable,
    do_request_extension,
)
from kefu.commitments.clocks import ensure_defaults as ensure_clock_defaults
from kefu.commitments.default_texts import translations_for
from kefu.commitments.materials import do_check_materials
from kefu.commitments.models import OrderClock, Service
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.proactive import CarePlan
from kefu.commitments.proactive import do_announce_maintenance
from kefu.commitments.unreachable import do_record_attempt
from kefu.customers.models import Customer, Relationship
from kefu.demo import data as D
from kefu.demo.loader import Loader
from kefu.lib import clock as lib_clock
from kefu.organization.models import ServiceArea
from kefu.workorders.actions import OrderInput, do_create_order


def ensure_defaults() -> None:
    """The office/24x7 calendars and R-13 time limits, should they have been deleted."""
    ensure_clock_defaults()


def catalog(L: Loader) -> None:
    """The services (what an administrator enters in the admin) and their details."""
    for sd in D.SERVICES:
        L.services[sd.code] = Service.objects.create(
            code=sd.code,
            name=sd.name,
            name_en=sd.name_en,
            order_type=sd.order_type,
            sale_phase=sd.sale_phase,
            technical=sd.technical,
            place=sd.place,
            paid=sd.fee > 0,
            fee=sd.fee,
            recurring=sd.recurring,
            description=sd.description,
            is_emergency=sd.code in D.EMERGENCY_SERVICES,
            translations=translations_for(name=sd.name, description=sd.description),
        )
    catalog_details(L)


def catalog_details(L: Loader) -> None:
    """Required materials, process steps and fee items of the services (R-11, R-17)."""

    materials, steps, fees = [], [], []
    for code, service in L.services.items():
        for i, (name, required) in enumerate(D.MATERIALS.get(code, [])):
            materials.append(
                ServiceMaterial(
                    service=service,
                    name=name,
                    required=required,
                    order=i,
                    translations=translations_for(name=name),
                )
            )
        if service.order_type not in ("suggestion", "praise", "inquiry"):
            for i, (title, text) in enumerate(D.STANDARD_STEPS):
                steps.append(
                    ServiceStep(
                        service=service,
                        order=i,
                        title=title,
                        description=text,
                        translations=translations_for(title=title, description=text),
                    )
                )
        for i, (name, amount, unit) in enumerate(D.FEES.get(code, [])):
            fees.append(
                ServiceFee(
                    service=service,
                    name=name,
                    amount=Decimal(amount),
                    unit=unit,
                    order=i,
                    translations=translations_for(name=name, unit=unit),
                )
            )
    ServiceMaterial.objects.bulk_create(materials)
    ServiceStep.objects.bulk_create(steps)
    ServiceFee.objects.bulk_create(fees)


def proactive(L: Loader) -> dt.date:
    """Care plans for business customers (yearly safety checks) and one announced maintenance (R-17, R-18)."""

    today = lib_clock.localdate()
    care = L.services.get("boiler-care") or next(iter(L.services.values()))
    plans = []
    for i, c in enumerate(Customer.objects.filter(relationship=Relationship.BUSINESS).order_by("id")[:12]):
        plans.append(
            CarePlan(
                customer=c,
                service=care,
                title="年度燃气安全检查",
                every_months=12,
                next_due=today + dt.timedelta(days=7 + 9 * i),
            )
        )
    CarePlan.objects.bulk_create(plans)
    sup = L.user("sup_north")
    for area_code, title, text, days, hours in D.MAINTENANCE:
        area = ServiceArea.objects.get(code=area_code)
        start = (lib_clock.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        do_announce_maintenance(
            sup,
            branch_id=area.branch_id,
            area_ids=[area.pk],
            title=title,
            description=text,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
        )
    L.say(f"proactive: {len(plans)} care plans, {len(D.MAINTENANCE)} planned maintenance")
    return today  # the follow-up plans are due relative to it


def clock_events(L: Loader) -> None:
    """Extension requests (one approved, two waiting for the supervisor) and an unreachable report (R-14, R-15)."""

    # four installations received six hours ago, materials checked complete at once (the clock starts with
    # the check, R-11), 5 working days each, so their deadlines lie ahead
    agent = L.user("agent1")
    area_ids = [a.pk for a, _d in L.areas.get("north", []) if a.kind == "urban"]  # urban installations
    customers = list(
        Customer.objects.filter(area_id__in=area_ids, merged_into__isnull=True).order_by("-id")[:4]
    )
    install = L.services.get("install-urban")
    now = lib_clock.now()
    fresh = []
    with lib_clock.simulated(now - dt.timedelta(hours=6)):
        for c in customers:
            o = do_create_order(
                agent,
                c.pk,
                OrderInput(
                    order_type="install_urban",
                    title="新装燃气开户",
                    description="客户新购住房，申请开户通气，材料已在营业厅核对齐全。",
                    channel="counter",
                    service_id=install.pk if install else None,
                ),
            )
            if install is not None:
                ids = list(ServiceMaterial.objects.filter(service=install).values_list("pk", flat=True))
                if ids:
                    do_check_materials(agent, o.pk, ids)
            fresh.append(o.pk)
    running = list(
        OrderClock.objects.filter(kind="resolution", status="running", workorder_id__in=fresh)
        .select_related("workorder__owner__user", "workorder__assignee__user")
        .order_by("id")
    )
    reasons = [
        "客户要求改约到下周上门，需延长办理时限。",
        "所需燃气表型号缺货，厂家预计三个工作日内到货。",
        "涉及邻户管道改线，需物业协调施工时间。",
    ]
    requests = []
    for clock, reason in zip(running[:3], reasons, strict=False):
        staff = clock.workorder.assignee or clock.workorder.owner
        if staff is None:
            continue
        amount = 2 if clock.unit == "working_days" else 24
        requests.append(do_request_extension(staff.user, clock.pk, amount, reason))
    if requests:
        leader = requests[0].requested_by.leader
        if leader is not None:
            do_decide_extension(leader.user, requests[0].pk, True, "同意，请提前告知客户新的完成时间。")
    if len(running) > 3:
        clock = running[3]
        staff = clock.workorder.assignee or clock.workorder.owner
        if staff is not None:
            # the proof the policy asks first: two calls and an SMS, two hours apart, since the clock started
            with lib_clock.simulated(now) as sim:
                for minutes, how in ((330, "phone"), (205, "phone"), (80, "sms")):
                    sim.set(now - dt.timedelta(minutes=minutes))
                    do_record_attempt(staff.user, clock.workorder_id, how, "无人接听")
            do_report_unreachable(
                staff.user,
                clock.pk,
                "按约定14:00上门，敲门无人应答；14:05、14:20两次拨打客户电话未接通，已在门上张贴联系卡。",
            )
    L.say(f"clocks: {len(requests)} extension requests, {1 if len(running) > 3 else 0} unreachable report")

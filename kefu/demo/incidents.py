"""Demo data of incidents (docs/incidents.md; called by kefu.demo.load_demo, inside its transaction): one
active burst main in 城北中心片区 reported by 30 households over the last three hours, attached to one
incident with an owner unit and a co-handling unit, and one update sent to every reporter — through the
actions, on the simulated clock (the messages are recorded as sent then, never sent again)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kefu.commitments.models import Service
from kefu.customers.models import Customer
from kefu.incidents import actions
from kefu.organization.models import Department, ServiceArea
from kefu.workorders import actions as wo_actions

REPORTERS = 30


def reporters(n_orders: int) -> int:
    """How many of the demo's orders are reports of the incident (30 in the full demo set)."""
    return min(REPORTERS, max(3, n_orders // 10))


INCIDENT_TRANSLATIONS = {
    "en": {
        "title": "Burst water main on Heping Road",
        "address_range": "Heping Road 1–120, Xingfuli estate",
        "cause": "Municipal roadworks cut a DN300 water main",
    },
    "hu": {
        "title": "Vízvezeték-törés a Heping úton",
        "address_range": "Heping út 1–120., Xingfuli lakótelep",
        "cause": "Közúti munkálatok során elvágtak egy DN300-as fővezetéket",
    },
    "zh-hant": {
        "title": "和平路供水主管爆裂",
        "address_range": "和平路 1–120號、幸福里小區",
        "cause": "市政施工挖斷 DN300 供水主管",
    },
}

TEXTS = ("家里停水了", "水龙头没水", "小区停水，什么时候来水？", "和平路那边爆管了，我家没水")


def load(L: Any, n: int = REPORTERS) -> dict[str, int]:
    area = ServiceArea.objects.filter(code="n-center").first()
    water = Service.objects.filter(code="water-fault").first()
    owner = Department.objects.filter(branch__code="north", name="维修班").first()
    helper = Department.objects.filter(branch__code="north", name="安装队").first()
    if area is None or water is None or owner is None:
        return {"incidents": 0}
    agent = L.user("agent1")
    start = L.now - dt.timedelta(hours=3)
    # the area's households first, then other customers of the branch (a small demo set has few per area)
    pool = Customer.objects.filter(branch=area.branch, merged_into__isnull=True).exclude(phone_e164="")
    customers = list(pool.filter(area=area).order_by("id")[:n])
    customers += list(pool.exclude(area=area).order_by("id")[: n - len(customers)])
    with L.history():
        L.at(start)
        inc = actions.do_create_incident(
            agent,
            actions.IncidentInput(
                title="和平路供水主管爆裂",
                kind="burst_main",
                service_id=water.pk,
                area_id=area.pk,
                address_range="和平路 1–120号、幸福里小区",
                cause="市政施工挖断 DN300 供水主管",
                started_at=start,
                estimated_end_at=L.now + dt.timedelta(hours=4),
                owner_unit_id=owner.pk,
                translations=INCIDENT_TRANSLATIONS,  # the public notice in the other languages
            ),
        )
        numbers = []
        for i, c in enumerate(customers):
            L.at(start + dt.timedelta(minutes=5 + 4 * i))
            o = wo_actions.do_create_order(
                agent,
                c.pk,
                wo_actions.OrderInput(
                    order_type="fault_general",
                    title=TEXTS[i % len(TEXTS)],
                    description=f"{TEXTS[i % len(TEXTS)]}（{c.address or area.name}）",
                    channel="phone",
                    service_id=water.pk,
                    area_id=area.pk,
                ),
            )
            numbers.append(o.number)
        L.at(start + dt.timedelta(hours=2, minutes=10))
        waiting = 3 if len(numbers) > 6 else 1  # still wait on the suggestions (a small demo set: one)
        actions.do_attach(agent, inc.pk, numbers[:-waiting])
        if helper is not None:
            actions.do_add_unit(
                agent, inc.pk, helper.pk, "在和平路 45 号设置临时送水点", start + dt.timedelta(hours=4)
            )
        L.at(start + dt.timedelta(hours=2, minutes=20))
        actions.do_send_update(
            agent, inc.pk, "抢修队已到现场，预计今晚恢复供水；和平路 45 号设有临时送水点。", key="demo-1"
        )
    L.say(f"incidents: 1 with {len(numbers)} reports")
    return {"incidents": 1, "reports": len(numbers)}

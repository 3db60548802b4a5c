"""Demo data of tags and custom fields and of e-mail signatures (called by kefu.demo.load_demo, inside its
transaction, after the orders): the meter number (表号) of fault orders, the customer's account number
(户号), an appointment preference, a few tags, a signature per branch and one agent's own. Written through
the actions, as an administrator and the agents would."""

from __future__ import annotations

import random

from kefu.channels.outbox import signatures
from kefu.customers.models import Customer
from kefu.fields import actions
from kefu.organization.models import Branch, Staff
from kefu.workorders.models import WorkOrder

FAULTS = ["fault_general", "fault_major", "restoration"]
TAGS = ["燃气表", "复查", "老旧小区", "vip", "夜间上门", "重复来电"]


def load(seed: int = 2026, orders: int = 60) -> None:
    rnd = random.Random(seed)
    admin = Staff.objects.filter(role="admin", is_active=True).order_by("id").first()
    if admin is None:
        return
    a = admin.user
    actions.do_save_definition(
        a,
        {
            "key": "account_no", "label": "户号", "scope": "customer", "kind": "text",
            "help_text": "燃气账户户号（10位数字），见账单左上角", "pattern": r"[0-9]{10}", "public": True,
            "position": 10, "active": True,
        },
    )  # fmt: skip
    actions.do_save_definition(
        a,
        {
            "key": "meter_no", "label": "表号", "scope": "order", "kind": "text", "order_types": FAULTS,
            "help_text": "燃气表表盘上的8位表号；办结前必须填写", "pattern": r"[0-9]{8}",
            "required_at": ["resolved"], "position": 20, "active": True,
        },
    )  # fmt: skip
    actions.do_save_definition(
        a,
        {
            "key": "appointment", "label": "预约时段", "scope": "order", "kind": "multi_choice",
            "choices": "工作日上午, 工作日下午, 周末", "public": True, "position": 30, "active": True,
        },
    )  # fmt: skip
    actions.do_save_definition(
        a,
        {
            "key": "meter_reading", "label": "表读数（m³）", "scope": "order", "kind": "number",
            "order_types": FAULTS, "min_value": "0", "position": 40, "active": True,
        },
    )  # fmt: skip
    for c in Customer.objects.filter(merged_into__isnull=True).order_by("id")[:orders]:
        actions.do_set_customer_field_values(a, c, {"account_no": f"{rnd.randrange(10**9, 10**10)}"})
    sample = list(WorkOrder.objects.filter(order_type__in=FAULTS).order_by("-id")[:orders])
    for o in sample:
        values: dict[str, object] = {
            "meter_no": f"{rnd.randrange(10**7, 10**8)}",
            "meter_reading": f"{rnd.randrange(100, 9000)}.{rnd.randrange(10)}",
        }
        if rnd.random() < 0.5:
            values["appointment"] = rnd.sample(["工作日上午", "工作日下午", "周末"], rnd.randint(1, 2))
        actions.do_set_field_values(a, o, values)
        if rnd.random() < 0.6:
            actions.do_add_tags(a, o, rnd.sample(TAGS, rnd.randint(1, 2)))
    for b in Branch.objects.order_by("id"):
        signatures.do_save_signature(
            a,
            branch_id=b.pk,
            html="<p>{name}（工号 {badge_no}）<br>{branch} 客户服务中心 · 热线 96777</p><p>工单号 {order_number}</p>",
            text="{name}（工号 {badge_no}）\n{branch} 客户服务中心 · 热线 96777\n工单号 {order_number}",
        )
    agent = Staff.objects.filter(role="agent", is_active=True).order_by("id").first()
    if agent is not None:
        signatures.do_save_signature(
            agent.user,
            staff_id=agent.pk,
            html="<p>此致<br><b>{name}</b> · 工号 {badge_no}<br>{branch}</p><p><small>工单号 {order_number}</small></p>",
            text="此致\n{name} · 工号 {badge_no}\n{branch}\n工单号 {order_number}",
        )

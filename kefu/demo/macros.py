"""Demo macros and saved views (called by kefu.demo.load_demo, inside its transaction): each branch's
supervisor shares a few macros with the team and one queue view ("Urgent and overdue"), written through
the actions like a supervisor on the console (docs/macros.md)."""

from __future__ import annotations

import dataclasses

from kefu.macros.actions import MacroInput, do_save_macro
from kefu.macros.saved import ViewInput, do_save_view
from kefu.organization.models import Department, Staff

MACROS = [
    MacroInput(
        name="已受理，安排上门",
        reply_text="{{customer.name}}您好，您的工单{{order.number}}已受理，维修师傅将在{{order.due}}前与您联系上门。"
        "如有疑问请回复本消息。",
        note="已发送上门安排通知（{{agent.name}}）",
        status="in_progress",
    ),
    MacroInput(
        name="等待客户补充材料",
        reply_text="{{customer.name}}您好，处理工单{{order.number}}还需要您提供相关材料（如身份证、缴费凭证照片），"
        "请回复本消息或到营业厅提交。谢谢！",
        status="pending_customer",
        status_comment="等待客户补充材料",
    ),
    MacroInput(
        name="升为紧急并交维修班",
        note="客户反映情况紧急，已升级处理",
        priority="urgent",
    ),
    MacroInput(
        name="已解决并回复",
        reply_text="{{customer.name}}您好，您反映的问题（工单{{order.number}}）已处理完毕。感谢您的耐心！如仍有问题请随时联系我们。",
        status="resolved",
        status_comment="已处理完毕并答复客户",
    ),
]


def load() -> None:
    done: set[int] = set()
    supervisors = Staff.objects.filter(role="supervisor", is_active=True, branch__isnull=False)
    for sup in supervisors.order_by("branch_id", "id"):
        if (
            sup.branch_id is None or sup.branch_id in done
        ):  # one supervisor per branch writes the team's shared set
            continue
        done.add(sup.branch_id)
        group = Department.objects.filter(branch_id=sup.branch_id).order_by("id").first()
        for m in MACROS:
            data = dataclasses.replace(m, shared=True, branch_id=sup.branch_id)
            if m.priority == "urgent" and group is not None:
                data.department_id = group.pk  # "… hand to the repair team"
            do_save_macro(sup.user, data)
        do_save_view(
            sup.user,
            ViewInput(name="紧急工单", tab="team", filters={"priority": "urgent"}, shared=True, position=10),
        )
        do_save_view(
            sup.user,
            ViewInput(name="已超时", tab="team", filters={"overdue": True}, shared=True, position=20),
        )

"""Demo data of send-backs (退单), a split and two customers' duplicate reports merged
(docs/send-back-split.md): a few open orders with a technician are sent back by them, one of them routed
back with a note and sent back again (a repeated send-back), so that the "Sent back to me" queue and the
send-back report have rows. Made now, through the actions, like any caller."""

from __future__ import annotations

from kefu.customers.models import Customer
from kefu.demo.loader import Loader
from kefu.lib.errors import KefuError
from kefu.organization.models import Staff
from kefu.workorders import actions
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import OPEN_STATUSES

OPEN = [s.value for s in OPEN_STATUSES]
# the orders this module creates (two reports of one street light, and the split of the first)
ORDERS = 3


def load(L: Loader) -> None:
    routed = list(
        WorkOrder.objects.filter(
            status__in=OPEN,
            merged_into__isnull=True,
            assignee__role="technician",
            assignee__is_active=True,
            assignee__department__isnull=False,
        )
        .select_related("assignee")
        .order_by("pk")[:40]
    )
    sent = 0
    for o in routed[::8][:4]:
        tech = o.assignee
        assert tech is not None  # filtered above
        reasons = [
            "地址属于相邻片区，不归本班组",
            "是物业设施问题，不属燃气维修范围",
            "客户所述为账单问题，应由营业厅办理",
        ]
        try:
            sb = actions.do_send_back(tech.user, o.pk, reasons[sent % len(reasons)])
        except KefuError:
            continue
        sent += 1
        if sent == 1:  # routed back to the same team with a note, and sent back a second time
            actions.do_transfer(
                sb.dispatcher.user,
                o.pk,
                to_staff_id=o.assignee_id,
                reason="重新派单",
                note="已核实：该地址在本班组片区内",
            )
            actions.do_send_back(tech.user, o.pk, "现场核实后仍不属本班组，请改派")
    agent = Staff.objects.filter(role="agent", is_active=True, branch__isnull=False).order_by("pk").first()
    if agent is None or agent.branch_id is None:
        return
    customers = list(
        Customer.objects.filter(branch_id=agent.branch_id, merged_into__isnull=True).order_by("pk")[:2]
    )
    if len(customers) < 2:
        return
    first = actions.do_create_order(
        agent.user,
        customers[0].pk,
        actions.OrderInput(
            order_type="fault_general",
            title="小区路灯不亮，并咨询账单",
            description="客户来电：5号楼前路灯三天不亮；另询问本月账单为何偏高。",
            channel="phone",
        ),
    )
    actions.do_split(
        agent.user,
        first.pk,
        actions.SplitInput(
            order_type="inquiry",
            title="咨询本月账单",
            description="客户询问本月账单为何偏高。",
            reason="一单两诉：故障与账单咨询分开办理",
        ),
    )
    second = actions.do_create_order(
        agent.user,
        customers[1].pk,
        actions.OrderInput(
            order_type="fault_general",
            title="5号楼前路灯不亮",
            description="邻居来电反映同一路灯故障。",
            channel="sms",
        ),
    )
    actions.do_merge(
        agent.user, second.pk, first.pk, "两位居民反映同一路灯故障", confirm_different_customer=True
    )
    L.say(f"send-backs: {sent + 1}, one split, one merge of two customers' reports")

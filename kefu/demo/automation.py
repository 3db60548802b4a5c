"""Demo triggers (docs/webhooks.md): created last, through the actions, as the first administrator — they fire
on what happens after the demo is loaded, not on its history. No webhook: its receiver would be outside."""

from __future__ import annotations

from kefu.automation import actions
from kefu.organization.models import Staff


def load() -> None:
    admin = Staff.objects.filter(role="admin", is_active=True).select_related("user").order_by("id").first()
    if admin is None:
        return
    for data in (
        actions.TriggerInput(
            name="紧急工单：通知上级",
            event="created",
            conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
            actions=[{"kind": "notify", "value": "leader", "text": "新的紧急工单，请关注处理进度"}],
            position=10,
        ),
        actions.TriggerInput(
            name="处理时限超时：提为高优先级",
            event="clock_breached",
            conditions=[
                {"field": "clock", "op": "contains", "value": "resolution"},
                {"field": "priority", "op": "in", "value": "low,normal"},
            ],
            actions=[{"kind": "set_priority", "value": "high", "text": ""}],
            position=20,
        ),
        actions.TriggerInput(
            name="不满意评价：通知上级回访",
            event="satisfaction_received",
            conditions=[{"field": "satisfaction_low", "op": "is", "value": "true"}],
            actions=[{"kind": "notify", "value": "leader", "text": "客户评价不满意，请安排回访"}],
            position=30,
        ),
    ):
        actions.do_save_trigger(admin.user, data)

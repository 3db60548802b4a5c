"""The built-in condition and action kinds (``registry``): the order's own fields, the event's details, and the
actions notify, set priority, set status (the normal transition), assign (person or department) and call
webhook. Tags, custom fields and macros are registered by their apps (docs/webhooks.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.automation import delivery, registry, rules
from kefu.automation.models import Webhook
from kefu.automation.registry import ActionKind, Choice, ConditionKind, Context
from kefu.commitments.limits import ClockKind
from kefu.customers.models import Channel
from kefu.lib.errors import ValidationFailed
from kefu.organization.models import Branch, Department, Staff
from kefu.workorders import actions as order_actions
from kefu.workorders import hooks
from kefu.workorders.models import OrderTypeChoices, Priority, StatusChoices


def _choices(tc: Any) -> list[Choice]:
    return [Choice(str(v), str(label)) for v, label in tc.choices]


def _branches() -> list[Choice]:
    return [Choice(str(pk), name) for pk, name in Branch.objects.order_by("name").values_list("pk", "name")]


def _departments() -> list[Choice]:
    return [
        Choice(str(d.pk), f"{d.branch.name} · {d.name}")
        for d in Department.objects.select_related("branch").order_by("branch__name", "name")
    ]


def _staff() -> list[Choice]:
    return [
        Choice(str(s.pk), f"{s.name} ({s.user.username})")
        for s in Staff.objects.filter(is_active=True).select_related("user").order_by("name")[:500]
    ]


def _yes_no() -> list[Choice]:
    return [Choice("true", _("yes")), Choice("false", _("no"))]


def _field(name: str) -> Any:
    return lambda ctx: getattr(ctx.order, name)


def _flag(value: object) -> str:
    return "" if value is None else ("true" if value else "false")


CONDITIONS = {
    "priority": ConditionKind(
        gettext_lazy("Priority"), _field("priority"), choices=lambda: _choices(Priority)
    ),
    "status": ConditionKind(
        gettext_lazy("Status"), _field("status"), choices=lambda: _choices(StatusChoices)
    ),
    "order_type": ConditionKind(
        gettext_lazy("Order type"), _field("order_type"), choices=lambda: _choices(OrderTypeChoices)
    ),
    "channel": ConditionKind(gettext_lazy("Channel"), _field("channel"), choices=lambda: _choices(Channel)),
    "branch": ConditionKind(gettext_lazy("Branch"), _field("branch_id"), choices=_branches),
    "department": ConditionKind(gettext_lazy("Department"), _field("department_id"), choices=_departments),
    "assignee": ConditionKind(gettext_lazy("Assignee"), _field("assignee_id"), choices=_staff),
    "escalated": ConditionKind(
        gettext_lazy("Escalated"), lambda ctx: _flag(ctx.order.escalated), ops=("is",), choices=_yes_no
    ),
    "changed": ConditionKind(
        gettext_lazy("Changed fields"),
        lambda ctx: set(ctx.changes),
        ops=("contains", "not_contains"),
        events=("updated", "status_changed"),
    ),
    "from_status": ConditionKind(
        gettext_lazy("Status before"),
        lambda ctx: ctx.data.get("from"),
        choices=lambda: _choices(StatusChoices),
        events=("status_changed",),
    ),
    "clock": ConditionKind(
        gettext_lazy("Deadline (clock kind)"),
        lambda ctx: set(ctx.data.get("clocks") or []),
        ops=("contains", "not_contains"),
        choices=lambda: [Choice(k.value, k.value) for k in ClockKind],
        events=("clock_warned", "clock_breached"),
    ),
    "satisfaction_low": ConditionKind(
        gettext_lazy("Low satisfaction answer"),
        lambda ctx: _flag(ctx.data.get("low")),
        ops=("is",),
        choices=_yes_no,
        events=("satisfaction_received",),
    ),
    "csat": ConditionKind(
        gettext_lazy("Satisfaction score (1–5)"),
        lambda ctx: ctx.data.get("csat"),
        choices=lambda: [Choice(str(i), str(i)) for i in range(1, 6)],
        events=("satisfaction_received",),
    ),
}


# --- actions ----------------------------------------------------------------------------------------------

NOTIFY_TARGETS = ("owner", "assignee", "leader")


def _notify_choices() -> list[Choice]:
    return [
        Choice("owner", _("the first-contact owner")),
        Choice("assignee", _("the assignee")),
        Choice("leader", _("the leaders of the owner and the assignee")),
        *_staff(),
    ]


def _clean_notify(value: str, text: str) -> tuple[str, str]:
    targets = rules.split_values(value)
    if not targets:
        raise ValidationFailed("required", _("Name whom to notify."), "value")
    known = set(NOTIFY_TARGETS)
    ids = [t for t in targets if t not in known]
    if any(not t.isdigit() for t in ids) or (
        ids and Staff.objects.filter(pk__in=[int(t) for t in ids], is_active=True).count() != len(set(ids))
    ):
        raise ValidationFailed(
            "invalid_choice", _("Notify owner, assignee, leader or active staff members (by id)."), "value"
        )
    text = text.strip()
    if not text:
        raise ValidationFailed("required", _("Write the text of the notification."), "text")
    if len(text) > 300:
        raise ValidationFailed("too_long", _("The text is longer than 300 characters."), "text")
    return ",".join(targets), text


def _notify(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    o = ctx.order
    people: list[Any] = []
    for t in rules.split_values(value):
        if t == "owner":
            people.append(o.owner_id)
        elif t == "assignee":
            people.append(o.assignee_id)
        elif t == "leader":
            people += [
                s.leader_id
                for s in Staff.objects.filter(pk__in=[p for p in (o.owner_id, o.assignee_id) if p])
            ]
        elif t.isdigit():
            people.append(int(t))
    hooks.staff_event(hooks.StaffEventKind.TRIGGER, people, order=o, at=ctx.at, text=text[:300])


def _clean_choice(choices: Any, message: Any) -> Any:
    def clean(value: str, text: str) -> tuple[str, str]:
        value = value.strip()
        if value not in {c.value for c in choices()}:
            raise ValidationFailed("invalid_choice", message, "value")
        return value, text.strip()[:200]

    return clean


def _set_priority(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    if ctx.order.priority != value:
        order_actions.do_update_order(run_as.user, ctx.order.pk, {"priority": value})


def _set_status(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    if ctx.order.status != value:
        order_actions.do_transition(run_as.user, ctx.order.pk, value, reason=text, resolution=text)


def _assign(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    if ctx.order.assignee_id != int(value):
        reason = text or _("Trigger")
        order_actions.do_transfer(run_as.user, ctx.order.pk, to_staff_id=int(value), reason=reason)


def _assign_department(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    if ctx.order.department_id != int(value):
        reason = text or _("Trigger")
        order_actions.do_transfer(run_as.user, ctx.order.pk, to_department_id=int(value), reason=reason)


def _webhooks() -> list[Choice]:
    return [Choice(str(pk), name) for pk, name in Webhook.objects.values_list("pk", "name")]


def _call_webhook(ctx: Context, run_as: Staff, value: str, text: str) -> None:
    hook = Webhook.objects.filter(pk=int(value)).first()
    if hook is None:
        raise ValidationFailed("not_found", _("The webhook of this trigger was deleted."), "value")
    delivery.enqueue(hook, ctx)


ACTIONS = {
    "notify": ActionKind(
        gettext_lazy("Notify"),
        _notify,
        clean=_clean_notify,
        choices=_notify_choices,
        value_label=gettext_lazy("Whom (owner, assignee, leader, staff ids; comma-separated)"),
        text_label=gettext_lazy("Text"),
    ),
    "set_priority": ActionKind(
        gettext_lazy("Set priority"),
        _set_priority,
        clean=_clean_choice(lambda: _choices(Priority), gettext_lazy("Choose a priority.")),
        choices=lambda: _choices(Priority),
        value_label=gettext_lazy("Priority"),
    ),
    "set_status": ActionKind(
        gettext_lazy("Set status"),
        _set_status,
        clean=_clean_choice(lambda: _choices(StatusChoices), gettext_lazy("Choose a status.")),
        choices=lambda: _choices(StatusChoices),
        value_label=gettext_lazy("Status"),
        text_label=gettext_lazy("Reason / resolution"),
    ),
    "assign": ActionKind(
        gettext_lazy("Assign to a person"),
        _assign,
        clean=_clean_choice(_staff, gettext_lazy("Choose an active staff member.")),
        choices=_staff,
        value_label=gettext_lazy("Staff member"),
        text_label=gettext_lazy("Reason"),
    ),
    "assign_department": ActionKind(
        gettext_lazy("Assign to a department"),
        _assign_department,
        clean=_clean_choice(_departments, gettext_lazy("Choose a department.")),
        choices=_departments,
        value_label=gettext_lazy("Department"),
        text_label=gettext_lazy("Reason"),
    ),
    "call_webhook": ActionKind(
        gettext_lazy("Call webhook"),
        _call_webhook,
        clean=_clean_choice(_webhooks, gettext_lazy("Choose a webhook.")),
        choices=_webhooks,
        value_label=gettext_lazy("Webhook"),
    ),
}

for _cname, _ckind in CONDITIONS.items():
    registry.register_condition(_cname, _ckind)
for _aname, _akind in ACTIONS.items():
    registry.register_action(_aname, _akind)

"""Use cases of macros (docs/macros.md): write, preview and apply a macro.

Applying a macro to orders runs each order in its own transaction through the same ``workorders.actions``
functions as the order page (``do_note``, ``do_reply`` with the reply checks of the service standards,
``do_update_order``, ``do_transfer``, ``do_transition``) and the order actions features register on
``workorders.hooks`` (``add_tag``): an order gets all of the macro's actions or none, and a refusal is
reported for that order with its reason while the other orders go on (``kefu.macros.bulk``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.lib.errors import Errors, KefuError, NotFound, PermissionDenied, ValidationFailed, raise_if
from kefu.macros import rules
from kefu.macros.models import Macro, MacroUse, visible_to
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Department, Staff
from kefu.workorders import actions as wo
from kefu.workorders import hooks
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import access_workorder
from kefu.workorders.models import Priority, StatusChoices, WorkOrder

# the statuses a macro may set (a new or reopened status is never the point of a canned answer)
MACRO_STATUSES = (
    wo_rules.Status.IN_PROGRESS.value,
    wo_rules.Status.PENDING_CUSTOMER.value,
    wo_rules.Status.RESOLVED.value,
    wo_rules.Status.CLOSED.value,
)

RULE_MESSAGES: dict[str, Any] = {
    "required": gettext_lazy("Give the macro a name."),
    "empty_macro": gettext_lazy(
        "A macro must do something: a reply, a note, a status, a priority, an assignment or tags."
    ),
    "unknown_variable": gettext_lazy("Unknown variable: %(detail)s. Use one of the variables listed below."),
    "unbalanced_braces": gettext_lazy("A variable is written {{name}}: a brace is missing."),
    "comment_required": gettext_lazy("A resolved order needs a resolution: write it here."),
    "too_many_tags": gettext_lazy("At most 10 tags."),
    "invalid_tag": gettext_lazy("A tag is one word of at most 40 characters: %(detail)s"),
}


def staff_scope(staff: Staff) -> tuple[int, int | None]:
    """(staff id, branch id or None when the member sees every branch) for ``models.visible_to``."""
    return staff.pk, None if staff.sees_all_branches else staff.branch_id


def visible_macros(staff: Staff) -> QuerySet[Macro]:
    return (
        Macro.objects.filter(visible_to(*staff_scope(staff)), active=True)
        .select_related("branch", "assignee", "department")
        .order_by("name", "id")
    )


def get_macro(staff: Staff, macro_id: int) -> Macro:
    m = visible_macros(staff).filter(pk=macro_id).first()
    if m is None:
        raise NotFound("not_found", _("Macro not found."), "macro")
    return m


def may_edit(staff: Staff, m: Macro) -> bool:
    """The owner edits a personal macro; a shared one is edited by a supervisor of its branch (company-level
    staff: every branch)."""
    if m.owner_id is not None:
        return m.owner_id == staff.pk
    if not staff.can("queue.share"):
        return False
    return staff.sees_all_branches or (m.branch_id is not None and m.branch_id == staff.branch_id)


@dataclass
class MacroInput:
    name: str
    reply_text: str = ""
    reply_channel: str = ""
    note: str = ""
    status: str = ""
    status_comment: str = ""
    priority: str = ""
    assignee_id: int | None = None
    department_id: int | None = None
    tags: list[str] = field(default_factory=list)
    shared: bool = False
    branch_id: int | None = None  # shared: the branch (company-level staff may leave it empty: every branch)


def _scope(staff: Staff, shared: bool, branch_id: int | None) -> tuple[Staff | None, Branch | None]:
    """(owner, branch) of a macro or view: personal, or shared with a branch the author may share with."""
    if not shared:
        return staff, None
    if not staff.can("queue.share"):
        raise PermissionDenied("forbidden", _("Only supervisors share with the team."), "shared")
    if not staff.sees_all_branches:
        if branch_id not in (None, staff.branch_id):
            raise PermissionDenied("forbidden", _("You can share only with your own branch."), "branch")
        return None, staff.branch
    if branch_id is None:
        return None, None
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:
        raise ValidationFailed("invalid_choice", _("Unknown branch."), "branch")
    return None, branch


def _clean(staff: Staff, data: MacroInput, branch: Branch | None) -> dict[str, Any]:
    errors: list[KefuError] = []
    if data.status and data.status not in MACRO_STATUSES:
        errors.append(ValidationFailed("invalid_choice", _("A macro cannot set this status."), "status"))
    if data.priority and data.priority not in Priority.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown priority."), "priority"))
    if data.reply_channel and data.reply_channel not in {c.value for c in wo_rules.ReplyChannel} - {
        "callback"
    }:
        errors.append(ValidationFailed("invalid_choice", _("Unknown reply channel."), "reply_channel"))
    if len(data.name) > 100:
        errors.append(ValidationFailed("too_long", _("At most 100 characters."), "name"))
    for name in ("reply_text", "note", "status_comment"):
        if len(getattr(data, name)) > 20000:
            errors.append(ValidationFailed("too_long", _("The text is longer than 20,000 characters."), name))
    branch_id = branch.pk if branch is not None else staff.branch_id
    assignee = None
    if data.assignee_id:
        assignee = Staff.objects.filter(pk=data.assignee_id, is_active=True).first()
        if assignee is None or (branch_id and not wo_rules.serves_branch(assignee.branch_id, branch_id)):
            errors.append(
                ValidationFailed("invalid_choice", _("Unknown or inactive staff member."), "assignee")
            )
    department = None
    if data.department_id:
        department = Department.objects.filter(pk=data.department_id).first()
        if department is None or (branch_id and not wo_rules.serves_branch(department.branch_id, branch_id)):
            errors.append(ValidationFailed("invalid_choice", _("Unknown department."), "department"))
    tags = [t.strip() for t in data.tags if t.strip()]
    if tags and hooks.order_action("add_tag") is None:
        errors.append(ValidationFailed("tags_unavailable", _("Tags are not available here."), "tags"))
    spec = rules.MacroSpec(
        name=data.name,
        reply_text=data.reply_text,
        note=data.note,
        status=data.status,
        status_comment=data.status_comment,
        priority=data.priority,
        assignee=bool(data.assignee_id),
        department=bool(data.department_id),
        tags=tuple(tags),
    )
    for e in rules.check_macro(spec, needs_comment=data.status == wo_rules.Status.RESOLVED.value):
        errors.append(ValidationFailed(e.code, RULE_MESSAGES[e.code] % {"detail": e.detail}, e.field))
    raise_if(errors)
    return {
        "name": data.name.strip(),
        "reply_text": data.reply_text.strip(),
        "reply_channel": data.reply_channel,
        "note": data.note.strip(),
        "status": data.status,
        "status_comment": data.status_comment.strip(),
        "priority": data.priority,
        "assignee": assignee,
        "department": department,
        "tags": tags,
    }


AUDITED = ["name", "reply_text", "reply_channel", "note", "status", "status_comment", "priority", "assignee",
           "department", "tags", "owner", "branch", "active"]  # fmt: skip


@transaction.atomic
def do_save_macro(user: Actor, data: MacroInput, macro_id: int | None = None) -> Macro:
    """Create (``macro_id`` None) or change a macro; audited as ``macro.create`` / ``macro.update``."""
    staff = require_staff(user, "order.work")
    owner, branch = _scope(staff, data.shared, data.branch_id)
    clean = _clean(staff, data, branch)
    now = clock.now()
    if macro_id is None:
        m = Macro(created_by=staff, created_at=now)
        before: dict[str, Any] = {}
    else:
        found = Macro.objects.select_for_update().filter(pk=macro_id, active=True).first()
        if found is None or not may_edit(staff, found):
            raise NotFound("not_found", _("Macro not found."), "macro")
        m = found
        before = audit.snapshot(m, AUDITED)
    for k, v in clean.items():
        setattr(m, k, v)
    m.owner, m.branch, m.updated_at = owner, branch, now
    m.save()
    audit.record(
        user, "macro.update" if before else "macro.create", m, before=before, after=audit.snapshot(m, AUDITED)
    )
    return m


@transaction.atomic
def do_delete_macro(user: Actor, macro_id: int) -> None:
    """Retire a macro (kept for its usage figures); audited."""
    staff = require_staff(user, "order.work")
    m = Macro.objects.select_for_update().filter(pk=macro_id, active=True).first()
    if m is None or not may_edit(staff, m):
        raise NotFound("not_found", _("Macro not found."), "macro")
    m.active = False
    m.updated_at = clock.now()
    m.save(update_fields=["active", "updated_at"])
    audit.record(user, "macro.delete", m, before={"active": True}, after={"active": False})


# --- rendering, preview ---------------------------------------------------------------------------------------


def order_values(o: WorkOrder, staff: Staff) -> dict[str, str]:
    """The values of the reply-text variables (``rules.VARIABLES``) for ``o`` answered by ``staff``
    (the order's customer and branch already loaded)."""
    due = ""
    if o.due_at is not None:
        tz = zoneinfo.ZoneInfo(o.branch.time_zone or "Asia/Shanghai")
        due = o.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return {
        "order.number": o.number,
        "order.title": o.title,
        "order.status": str(o.get_status_display()),
        "order.priority": str(o.get_priority_display()),
        "order.due": due,
        "customer.name": o.customer.name,
        "customer.number": o.customer.number,
        "agent.name": staff.name,
        "agent.badge": staff.badge_no,
        "branch.name": o.branch.name,
    }


def describe(m: Macro) -> list[str]:
    """What the macro does, one line per action, in the order they are applied."""
    lines = []
    if m.note:
        lines.append(_("Adds an internal note"))
    if m.reply_text:
        lines.append(_("Replies to the customer"))
    if m.priority:
        lines.append(_("Sets the priority to %(p)s") % {"p": m.get_priority_display()})
    if m.assignee_id or m.department_id:
        lines.append(_("Hands the order to %(who)s") % {"who": m.assignee or m.department})
    if m.tags:
        lines.append(_("Adds the tags %(tags)s") % {"tags": ", ".join(m.tags)})
    if m.status:
        lines.append(_("Sets the status to %(s)s") % {"s": StatusChoices(m.status).label})
    return lines


@dataclass
class Preview:
    order: WorkOrder
    reply: str
    note: str
    problems: list[str]
    warnings: list[str]


def preview(user: Actor, m: Macro, keys: Sequence[int | str]) -> list[Preview]:
    """The macro as it would be applied to each order: the rendered texts, and what would refuse it (the reply
    checks of the service standards run as a dry run, the reply channel, the status change). Writes nothing."""
    staff = require_staff(user, "order.work")
    out = []
    for key in keys[: rules.MAX_ORDERS]:
        o = access_workorder(user, key, related=("customer", "branch"))
        values = order_values(o, staff)
        reply = rules.render(m.reply_text, values)
        problems: list[str] = []
        warnings: list[str] = []
        if reply:
            try:
                wo.choose_reply_channel(o, m.reply_channel or None, wo.reply_channels(o))
                event = hooks.ReplyEvent(
                    order=o, staff=staff, user=user, text=reply, channel=o.channel, at=clock.now(),
                    data={"dry_run": True},
                )  # fmt: skip
                hooks.run_reply_checks(event)
                warnings += [str(w) for w in event.data.get("warnings", [])]
            except KefuError as exc:
                problems.append(str(exc.message))
        if m.status and m.status != o.status:
            allowed = {t.value: ok for t, _a, ok in wo.allowed_transitions(user, o)}
            if not allowed.get(m.status):
                problems.append(
                    _("The status cannot change from %(a)s to %(b)s.")
                    % {"a": o.get_status_display(), "b": StatusChoices(m.status).label}
                )
        out.append(Preview(o, reply, rules.render(m.note, values), problems, warnings))
    return out


# --- applying -------------------------------------------------------------------------------------------------


def apply_to_order(
    user: Actor, staff: Staff, m: Macro, key: int | str, *, override_reason: str = "", source: str = "console"
) -> list[str]:
    """Apply ``m`` to one order in one transaction (all of its actions or none); the names of the actions
    done. Raises the first refusal (a ``KefuError``), which rolls back every action on this order."""
    done: list[str] = []
    with transaction.atomic():
        o = access_workorder(user, key, for_update=True, related=("customer", "branch"))
        values = order_values(o, staff)
        if m.note:
            wo.do_note(user, o.pk, rules.render(m.note, values))
            done.append("note")
        if m.reply_text:
            wo.do_reply(
                user,
                o.pk,
                rules.render(m.reply_text, values),
                channel=m.reply_channel or None,
                override_reason=override_reason,
                source=source,
            )
            done.append("reply")
        if m.priority and m.priority != o.priority:
            wo.do_update_order(user, o.pk, {"priority": m.priority})
            done.append("priority")
        if m.assignee_id or m.department_id:
            current = WorkOrder.objects.values_list("assignee_id", "department_id").get(pk=o.pk)
            if (m.assignee_id, m.department_id) != current and not (
                m.department_id is None and m.assignee_id == current[0]
            ):
                wo.do_transfer(
                    user,
                    o.pk,
                    to_staff_id=m.assignee_id,
                    to_department_id=m.department_id,
                    reason=_("Macro “%(name)s”") % {"name": m.name},
                )
                done.append("assign")
        if m.tags:
            add_tag = hooks.order_action("add_tag")
            if add_tag is None:
                raise ValidationFailed("tags_unavailable", _("Tags are not available here."), "tags")
            for tag in m.tags:
                add_tag(user, o.pk, tag)
            done.append("tags")
        if m.status:
            status = WorkOrder.objects.values_list("status", flat=True).get(pk=o.pk)
            if status != m.status:
                comment = rules.render(m.status_comment, values)
                wo.do_transition(user, o.pk, m.status, reason=comment, resolution=comment)
                done.append("status")
        now = clock.now()
        MacroUse.objects.create(macro=m, staff=staff, workorder_id=o.pk, at=now)
        audit.record(
            user,
            "macro.apply",
            m,
            after={"macro": m.name, "order": o.number, "done": done},
            customer_id=o.customer_id,
            workorder_id=o.pk,
            summary=f"{m.name} → {o.number}",
        )
    return done


def error_items(exc: KefuError) -> list[dict[str, Any]]:
    """The refusal(s) of ``exc`` as ``{"code", "message", "field"}`` (several for a multi-error)."""
    found = exc.errors if isinstance(exc, Errors) else [exc]
    return [{"code": e.code, "message": str(e.message), "field": e.field} for e in found]


# --- usage ----------------------------------------------------------------------------------------------------


def usage(staff: Staff, since: dt.datetime) -> dict[str, Any]:
    """Which macros were used since ``since`` (uses per macro, and per person for the macros the member may
    edit — supervisors see their team's use of the shared ones): two grouped queries."""
    macros = visible_macros(staff)
    per_macro = dict(
        MacroUse.objects.filter(macro__in=macros, at__gte=since)
        .values_list("macro_id")
        .annotate(n=Count("id"))
        .values_list("macro_id", "n")
    )
    people_q = MacroUse.objects.filter(macro__in=macros, at__gte=since)
    if not staff.can("queue.share"):
        people_q = people_q.filter(staff=staff)
    per_person = list(
        people_q.values("macro__name", "staff__name", "staff__badge_no")
        .annotate(n=Count("id"))
        .order_by("-n", "macro__name", "staff__badge_no")[:50]
    )
    return {"per_macro": per_macro, "per_person": per_person}

"""Materials check on a work order and the one-time notice (一次性告知, R-11).

``do_check_materials`` records what the customer supplied. If anything required is missing it produces
ONE written notice listing ALL missing items, moves the order to "awaiting materials" (when the
transition table allows it), writes the timeline entry, the contact-history entry and the audit record,
and queues the notice in the outbox to the customer's channel — all in one transaction. A repeated check
that finds nothing missing beyond what the latest notice already listed produces no new notice (no
piecemeal notices, no duplicates). When everything required is supplied and the order awaits materials,
it moves on to "in progress" (the clocks start there, R-14).

Lock order: WorkOrder (row lock through ``access_workorder(..., for_update=True)``) first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.models import OutboxChannel
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.outbox import sms_templates
from kefu.commitments import clocks, proactive
from kefu.commitments.models.materials import (
    AdditionalMaterialsRequest,
    AdditionalRequestStatus,
    MaterialsNotice,
    OrderMaterial,
)
from kefu.customers.actions import record_contact
from kefu.customers.models import Contact, Customer
from kefu.lib import clock
from kefu.lib.content_i18n import translated
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Company, Staff
from kefu.workorders import actions as wo_actions
from kefu.workorders import hooks
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import access_workorder
from kefu.workorders.models import TimelineEntry, WorkOrder


@dataclass
class MaterialsCheck:
    order: WorkOrder
    materials: list[OrderMaterial]
    missing: list[OrderMaterial]
    notice: MaterialsNotice | None = None  # the notice produced by this check, if any
    moved_to: str | None = None
    notes: list[str] = field(default_factory=list)
    request: AdditionalMaterialsRequest | None = None  # items beyond the notice, waiting for a supervisor


def notice_channel(customer: Customer) -> tuple[str, str]:
    """Where a notice goes: e-mail if the customer has an address, else SMS to the phone, else print only
    (the same routing as the proactive notices)."""
    return proactive.route(customer.email, customer.phone_e164, customer.phone)


def notice_text(
    order: WorkOrder, missing: list[OrderMaterial], note: str = "", *, corrects: MaterialsNotice | None = None
) -> tuple[str, str]:
    """Subject and text of the notice (in the active language); a corrected notice says which it replaces."""
    company = Company.objects.first()
    service = translated(order.service, "name") if order.service else order.get_order_type_display()
    subject = _("Materials needed for your request %(number)s") % {"number": order.number}
    lines = [
        _("Dear %(name)s,") % {"name": order.customer.name},
        "",
    ]
    if corrects is not None:
        subject = _("Corrected notice: materials needed for your request %(number)s") % {
            "number": order.number
        }
        lines += [
            _(
                "This corrected notice replaces our notice of %(date)s; we apologise for not listing "
                "everything at once."
            )
            % {"date": timezone.localtime(corrects.created_at).strftime("%Y-%m-%d")},
            "",
        ]
    lines += [
        ngettext(
            "To handle your request %(number)s (%(service)s) we still need the following item:",
            "To handle your request %(number)s (%(service)s) we still need the following %(count)d items:",
            len(missing),
        )
        % {"number": order.number, "service": service, "count": len(missing)},
    ]
    for i, m in enumerate(missing, 1):
        description = translated(m, "description")
        lines.append(f"{i}. {translated(m, 'name')}" + (f" — {description}" if description else ""))
    lines.append("")
    lines.append(_("This notice lists everything that is missing; please bring or send all of it together."))
    if note.strip():
        lines += ["", note.strip()]
    if company is not None and company.hotline:
        lines += [
            "",
            _("Questions: %(company)s, hotline %(hotline)s")
            % {"company": company.name, "hotline": company.hotline},
        ]
    return subject, "\n".join(lines)


def _sync_materials(order: WorkOrder) -> list[OrderMaterial]:
    """The order's checklist: materials copied from the service the first time they are seen."""
    existing = {m.service_material_id: m for m in order.materials.all()}
    if order.service_id is not None:
        for sm in order.service.materials.all():  # type: ignore[union-attr]
            if sm.pk not in existing:
                existing[sm.pk] = OrderMaterial.objects.create(
                    workorder=order,
                    service_material=sm,
                    name=sm.name,
                    description=sm.description,
                    required=sm.required,
                    order=sm.order,
                    translations=sm.translations,
                )
    return sorted(existing.values(), key=lambda m: (m.order, m.pk))


def order_materials(order: WorkOrder) -> list[dict[str, Any]]:
    """Checklist rows for a form: id (of the service material), name, description, required, supplied."""
    rows: dict[int, dict[str, Any]] = {}
    for m in order.materials.all():
        if m.service_material_id is not None:
            rows[m.service_material_id] = {
                "id": m.service_material_id,
                "name": m.name,
                "description": m.description,
                "required": m.required,
                "supplied": m.supplied,
            }
    if order.service_id is not None:
        for sm in order.service.materials.all():  # type: ignore[union-attr]
            rows.setdefault(
                sm.pk,
                {
                    "id": sm.pk,
                    "name": sm.name,
                    "description": sm.description,
                    "required": sm.required,
                    "supplied": False,
                },
            )
    return list(rows.values())


@transaction.atomic
def do_check_materials(
    user: Actor,
    order_key: int | str,
    supplied_material_ids: Iterable[int | str],
    note: str = "",
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> MaterialsCheck:
    """Record what the customer supplied; one notice listing everything missing (see module docstring).

    After a notice, finding missing items the notice did not list is refused unless ``reason`` is given;
    with it, the check is recorded and a request goes to the supervisors (``do_decide_additional``) — no
    notice reaches the customer before the approval."""
    staff = require_staff(user)
    order = access_workorder(user, order_key, for_update=True)
    if not staff.can("order.work"):
        raise PermissionDenied("forbidden", _("Your role does not allow checking materials."), "supplied")
    if expected_version is not None and expected_version != order.version:
        raise Conflict(
            "stale",
            _("Someone else changed this order meanwhile; reload and try again."),
            "version",
            current_version=order.version,
        )
    if order.status not in {s.value for s in wo_rules.OPEN_STATUSES}:
        raise ValidationFailed(
            "order_closed", _("Materials can only be checked on an open order."), "supplied"
        )
    if order.service_id is None or not order.service.materials.exists():  # type: ignore[union-attr]
        raise ValidationFailed(
            "no_materials", _("The order's service has no list of required materials."), "supplied"
        )
    try:
        supplied = {int(i) for i in supplied_material_ids}
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_choice", _("Unknown material."), "supplied") from None
    if len(note) > 2000:
        raise ValidationFailed("too_long", _("The note is longer than 2,000 characters."), "note")
    now = clock.now()
    materials = _sync_materials(order)
    known = {m.service_material_id for m in materials}
    if supplied - known:
        raise ValidationFailed("invalid_choice", _("Unknown material."), "supplied")
    for m in materials:
        flag = m.service_material_id in supplied
        if m.supplied != flag or m.checked_at is None:
            m.supplied = flag
            m.checked_by = staff
            m.checked_at = now
            m.save(update_fields=["supplied", "checked_by", "checked_at"])
    missing = [m for m in materials if m.required and not m.supplied]
    result = MaterialsCheck(order=order, materials=materials, missing=missing)
    audit.record(
        user,
        "order.materials_check",
        order,
        after={
            "supplied": sorted(m.name for m in materials if m.supplied),
            "missing": [m.name for m in missing],
        },
        customer_id=order.customer_id,
        workorder_id=order.pk,
        summary=note.strip()[:200],
    )
    if missing:
        latest = order.materials_notices.order_by("-created_at", "-id").first()
        already = set(latest.items) if latest is not None else set()
        beyond = [m.name for m in missing if m.name not in already]
        if latest is not None and beyond:
            result.request = _request_additional(user, staff, order, latest, beyond, reason, now)
            result.order = WorkOrder.objects.get(pk=order.pk)
            return result  # nothing reaches the customer before a supervisor approves
        if not {m.name for m in missing} <= already:
            result.notice = _give_notice(user, staff, order, missing, note, now)
        if (
            order.status != wo_rules.Status.AWAITING_MATERIALS
            and (
                wo_rules.Status(order.status),
                wo_rules.Status.AWAITING_MATERIALS,
            )
            in wo_rules.TRANSITIONS
        ):
            wo_actions.do_transition(user, order.pk, wo_rules.Status.AWAITING_MATERIALS.value)
            result.moved_to = wo_rules.Status.AWAITING_MATERIALS.value
    elif order.status == wo_rules.Status.AWAITING_MATERIALS:
        wo_actions.do_transition(user, order.pk, wo_rules.Status.IN_PROGRESS.value)
        result.moved_to = wo_rules.Status.IN_PROGRESS.value
    else:
        clocks.on_materials_checked(order, now)  # the clocks that waited for the check start
    result.order = WorkOrder.objects.get(pk=order.pk)
    return result


def _request_additional(
    user: Actor,
    staff: Any,
    order: WorkOrder,
    latest: MaterialsNotice,
    items: list[str],
    reason: str,
    now: Any,
) -> AdditionalMaterialsRequest:
    """R-11: materials the one-time notice did not list: only with a reason, decided by a supervisor."""
    listed = "、".join(items)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(
            "one_time_notice",
            _(
                "The one-time notice of %(date)s did not list %(items)s. Asking for more now breaks the "
                "one-time rule (R-11): give a reason; a supervisor decides, and the customer then gets one "
                "corrected notice listing everything."
            )
            % {"date": timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M"), "items": listed},
            "reason",
        )
    if len(reason) > 2000:
        raise ValidationFailed("too_long", _("The reason is longer than 2,000 characters."), "reason")
    if order.additional_materials_requests.filter(status=AdditionalRequestStatus.PENDING).exists():
        raise ValidationFailed(
            "pending", _("A request for further materials is already waiting for a supervisor."), "reason"
        )
    req = AdditionalMaterialsRequest.objects.create(
        workorder=order, notice=latest, items=items, reason=reason, requested_by=staff, requested_at=now
    )
    wo_actions.add_entry(
        order,
        TimelineEntry.Kind.SYSTEM,
        staff=staff,
        body=_("Materials beyond the one-time notice requested (%(items)s): %(reason)s")
        % {"items": listed, "reason": reason},
        data={"event": "materials_request", "request": req.pk, "items": items},
        at=now,
    )
    audit.record(
        user,
        "order.materials_request",
        req,
        after={"items": items, "reason": reason, "notice": latest.pk},
        customer_id=order.customer_id,
        workorder_id=order.pk,
        summary=f"{order.number} +{listed}"[:200],
    )
    hooks.staff_event(
        hooks.StaffEventKind.MATERIALS_REQUEST,
        supervisors_of(order, exclude=staff.pk),
        order=order,
        actor=staff,
        at=now,
        reason=f"{listed}: {reason}"[:200],
    )
    return req


def supervisors_of(order: WorkOrder, exclude: int | None = None) -> list[int]:
    """The active supervisors of the order's branch, else of the company level."""
    for branch in (order.branch_id, None):
        qs = Staff.objects.filter(role="supervisor", is_active=True)
        qs = qs.filter(branch__isnull=True) if branch is None else qs.filter(branch_id=branch)
        if exclude is not None:
            qs = qs.exclude(pk=exclude)
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            return ids
    return []


def may_decide_additional(staff: Any, req: AdditionalMaterialsRequest, order: WorkOrder) -> bool:
    """A supervisor of the order's branch (or the company level) or an administrator; not the requester."""
    if staff.pk == req.requested_by_id or not staff.is_active:
        return False
    return staff.role == "admin" or (
        staff.role == "supervisor" and staff.branch_id in (None, order.branch_id)
    )


@transaction.atomic
def do_decide_additional(
    user: Actor, order_key: int | str, request_id: int, approve: bool, note: str = ""
) -> AdditionalMaterialsRequest:
    """A supervisor approves (the customer gets ONE corrected notice listing everything still missing, and
    the request is recorded as a standards violation of the one-time rule, R-11) or rejects (the items are
    not asked for: waived on this order)."""
    staff = require_staff(user)
    order = access_workorder(user, order_key, for_update=True)
    req = (
        AdditionalMaterialsRequest.objects.select_for_update()
        .filter(pk=request_id, workorder=order)
        .select_related("requested_by", "notice")
        .first()
    )
    if req is None:
        raise NotFound("not_found", _("No such request."), "request")
    if not may_decide_additional(staff, req, order):
        raise PermissionDenied(
            "not_supervisor", _("Only a supervisor of the branch or an administrator can decide.")
        )
    if req.status != AdditionalRequestStatus.PENDING:
        raise ValidationFailed("decided", _("This request has already been decided."), "approve")
    now = clock.now()
    note = (note or "").strip()[:2000]
    req.status = AdditionalRequestStatus.APPROVED if approve else AdditionalRequestStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_note = staff, now, note
    materials = _sync_materials(order)
    if approve:
        missing = [m for m in materials if m.required and not m.supplied]
        req.corrected_notice = _give_notice(
            user, req.requested_by, order, missing, note, now, corrects=req.notice
        )
        hooks.notify_rule_violation(
            hooks.RuleViolationEvent(
                order=order,
                staff=req.requested_by,
                user=user,
                rule="R-11",
                source="one_time_notice",
                at=now,
                summary="、".join(req.items),
                reason=req.reason,
            )
        )
        if (
            order.status != wo_rules.Status.AWAITING_MATERIALS
            and (wo_rules.Status(order.status), wo_rules.Status.AWAITING_MATERIALS) in wo_rules.TRANSITIONS
        ):
            wo_actions.do_transition(user, order.pk, wo_rules.Status.AWAITING_MATERIALS.value)
    else:
        for m in materials:
            if m.name in req.items and m.required and not m.supplied:
                m.required = False  # waived: the customer is not asked for it
                m.checked_by, m.checked_at = staff, now
                m.save(update_fields=["required", "checked_by", "checked_at"])
    req.save()
    wo_actions.add_entry(
        order,
        TimelineEntry.Kind.SYSTEM,
        staff=staff,
        body=(
            _("Further materials approved: corrected notice sent (%(items)s).")
            if approve
            else _("Further materials rejected: not asked for (%(items)s).")
        )
        % {"items": "、".join(req.items)},
        data={"event": f"materials_request_{req.status}", "request": req.pk},
        at=now,
    )
    audit.record(
        user,
        f"order.materials_request_{req.status}",
        req,
        after={"status": req.status, "note": note, "corrected_notice": req.corrected_notice_id},
        customer_id=order.customer_id,
        workorder_id=order.pk,
        summary=f"{order.number} {req.status}",
    )
    hooks.staff_event(
        hooks.StaffEventKind.MATERIALS_DECIDED,
        [req.requested_by_id],
        order=order,
        actor=staff,
        at=now,
        approved=approve,
        note=note[:200],
    )
    return req


def _give_notice(
    user: Actor,
    staff: Any,
    order: WorkOrder,
    missing: list[OrderMaterial],
    note: str,
    now: Any,
    *,
    corrects: MaterialsNotice | None = None,
) -> MaterialsNotice:
    customer = order.customer
    channel, recipient = notice_channel(customer)
    language = customer.language_code  # the notice is written in the customer's language
    with translation.override(language):
        subject, text = notice_text(order, missing, note, corrects=corrects)
    notice = MaterialsNotice.objects.create(
        workorder=order,
        items=[m.name for m in missing],
        text=text,
        note=note.strip(),
        channel=channel,
        recipient=recipient,
        created_by=staff,
        created_at=now,
        corrects=corrects,
    )
    digest = hashlib.sha256("\n".join(notice.items).encode()).hexdigest()[:16]
    sms = sms_templates.Rendered(text, {})
    if channel == OutboxChannel.SMS:
        with translation.override(language):  # names in the customer's language (ADR 0008)
            service = translated(order.service, "name") if order.service else order.get_order_type_display()
            names = [translated(m, "name") for m in missing]
            values = {
                "customer_name": customer.name,
                "order_number": order.number,
                "missing_materials": ("、" if (language or "zh").startswith("zh") else ", ").join(names),
                "service": service,
            }
            sms = sms_templates.render_current(SmsTemplateCode.MATERIALS_NOTICE, text, values)
    message, _created = outbox.enqueue(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=sms.body,
        template=sms.template,
        idempotency_key=f"materials-notice:{order.pk}:{notice.pk}:{digest}",
        customer=customer,
        workorder=order,
    )
    notice.outbox = message
    notice.save(update_fields=["outbox"])
    summary = ngettext(
        "One-time notice: %(count)d item missing: %(items)s",
        "One-time notice: %(count)d items missing: %(items)s",
        len(missing),
    ) % {"count": len(missing), "items": "; ".join(notice.items)}
    wo_actions.add_entry(
        order,
        TimelineEntry.Kind.SYSTEM,
        staff=staff,
        body=summary,
        public=True,
        data={"event": "materials_notice", "notice": notice.pk, "items": notice.items, "channel": channel},
        at=now,
    )
    record_contact(
        customer,
        order.channel,
        staff=staff,
        workorder=order,
        direction=Contact.Direction.OUTBOUND,
        summary=summary,
        details={"materials_notice": notice.pk, "sent_through": channel},
        at=now,
    )
    audit.record(
        user,
        "order.materials_notice",
        notice,
        after={"items": notice.items, "channel": channel, "recipient": recipient},
        customer_id=order.customer_id,
        workorder_id=order.pk,
        summary=summary[:200],
    )
    return notice


def order_notices(user: Actor, order_key: int | str) -> list[MaterialsNotice]:
    """The one-time notices of an order the user may see (staff of its branch, or its own customer)."""
    order = access_workorder(user, order_key)
    return list(order.materials_notices.select_related("created_by").order_by("created_at", "id"))


def access_notice(user: Actor, order_key: int | str, notice_id: int | str) -> MaterialsNotice:
    """One notice of a visible order; NotFound for anything else (same answer for both)."""
    order = access_workorder(user, order_key)
    try:
        return order.materials_notices.select_related("workorder", "created_by").get(pk=int(notice_id))
    except (MaterialsNotice.DoesNotExist, TypeError, ValueError):
        raise NotFound("not_found", _("Notice not found."), "notice") from None

"""What complaints plugs into the work-order flow (registered in ComplaintsConfig.ready()):

- the customer-text listener suggests the customer type from the request of a new order and from each
  later message of the customer (kefu.workorders.hooks.notify_customer_text, called by
  ``create_order_for`` and ``customer_message_on`` in the order's transaction);
- the transition guard refuses to close a complaint whose cause is not recorded;
- two order-page panels: the customer type (every order) and the complaint handling (complaints).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, JSONField, OuterRef, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.complaints import actions, rules
from kefu.complaints.models import (
    CauseCategory,
    Compensation,
    ComplaintCause,
    ComplaintRecord,
    ComplaintStep,
    CustomerTypeChoices,
    HandlingStep,
    OrderCustomerType,
)
from kefu.lib.errors import ValidationFailed
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.organization.models import Staff
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder

SIGNAL_LABELS: dict[str, Any] = {
    "urgency": gettext_lazy("words of urgency"),
    "insult": gettext_lazy("insults"),
    "anger": gettext_lazy("angry words or threats"),
    "exclamation": gettext_lazy("exclamation marks"),
    "capitals": gettext_lazy("shouting in capitals"),
    "repeat_contacts": gettext_lazy("repeated contacts in the last 30 days"),
    "confusion": gettext_lazy("words of confusion"),
    "information": gettext_lazy("asks for information"),
    "question": gettext_lazy("question marks"),
}

GUIDANCE: dict[str, Any] = {
    "demanding": gettext_lazy(
        "Give enough information: answer every question with the facts, amounts and dates; "
        "say what happens next and when."
    ),
    "confused": gettext_lazy(
        "Explain clearly and simply: find the misunderstanding, use plain words without jargon, "
        "and check that the customer has understood."
    ),
    "agitated": gettext_lazy(
        "Calm the emotion first, then the problem: stay calm, listen and let the customer vent, "
        "acknowledge the feeling and apologise for the trouble; only then work on the matter."
    ),
}


def on_customer_text(event: hooks.CustomerTextEvent) -> None:
    actions.suggest_customer_type(
        event.order,
        event.text,
        source=event.source,
        actor_user=event.actor_user,
        at=event.at,
        prepared=event.prepared,
    )


def guard_complaint_cause(event: hooks.TransitionEvent) -> None:
    o = event.order
    if rules.needs_cause(o.order_type, event.action, actions.is_classified(o)):
        raise ValidationFailed(
            "complaint_unclassified",
            _("Record the cause of the complaint before closing it."),
            "cause",
        )


def _errors(request: HttpRequest, form: str) -> dict[str, str]:
    return dict(getattr(request, "complaints_errors", {}).get(form, {}))


def _can_work(request: HttpRequest, o: WorkOrder) -> bool:
    staff = staff_of(request.user)
    return staff is not None and staff.can("order.work")


_STAFF_NAME: tuple[Any, ...] = (Staff, {}, ("name", "badge_no"))
TYPE_RELATED = {"set_by": _STAFF_NAME}
RECORD_RELATED = {"cause": ComplaintCause, "classified_by": _STAFF_NAME}
STEP_RELATED = {"done_by": _STAFF_NAME}
COMPENSATION_RELATED = {"requested_by": _STAFF_NAME, "decided_by": _STAFF_NAME}


def _types(order_id: Any) -> Any:
    return OrderCustomerType.objects.filter(workorder_id=order_id).order_by("at", "id")


def _complaint_only(rows: JSONRows) -> Case:
    """The rows only for a complaint order (the subquery is not run for the others)."""
    return Case(When(order_type=rules.COMPLAINT, then=rows), default=Value(None), output_field=JSONField())


def order_panel_annotations() -> dict[str, Any]:
    """The rows of the customer-type card and (a complaint order) of the complaint card, read with the
    order on its page (``kefu.lib.json_rows``): the cards cost no statement of their own."""
    pk = OuterRef("pk")
    return {
        "complaints_type_rows": JSONRows(_types(pk), OrderCustomerType, TYPE_RELATED),
        "complaints_record_rows": _complaint_only(
            JSONRows(ComplaintRecord.objects.filter(workorder_id=pk), ComplaintRecord, RECORD_RELATED)
        ),
        "complaints_step_rows": _complaint_only(
            JSONRows(
                ComplaintStep.objects.filter(workorder_id=pk).order_by("id"), ComplaintStep, STEP_RELATED
            )
        ),
        "complaints_compensation_rows": _complaint_only(
            JSONRows(
                Compensation.objects.filter(workorder_id=pk).order_by("requested_at", "id"),
                Compensation,
                COMPENSATION_RELATED,
            )
        ),
        "complaints_cause_rows": _complaint_only(
            JSONRows(ComplaintCause.objects.filter(is_active=True).order_by(*CAUSE_ORDER), ComplaintCause)
        ),
    }


CAUSE_ORDER = ("category", "position", "code")


def customer_type_panel(request: HttpRequest, o: WorkOrder) -> dict[str, Any] | None:
    read = hooks.panel_rows(o, "complaints_type_rows")
    rows = (
        list(_types(o.pk).select_related("set_by"))
        if read is None
        else instances(OrderCustomerType, read, TYPE_RELATED)
    )
    chosen = [r for r in rows if r.kind == OrderCustomerType.Kind.CHOSEN]
    suggested = [r for r in rows if r.kind == OrderCustomerType.Kind.SUGGESTED]
    pick = chosen or rows
    current = pick[-1] if pick else None
    suggestion = suggested[-1] if suggested else None
    signals = [
        {**s, "label": SIGNAL_LABELS.get(s.get("code", ""), s.get("code", ""))}
        for s in (suggestion.signals if suggestion else [])
    ]
    return {
        "o": o,
        "current": current,
        "suggestion": suggestion,
        "signals": signals,
        "scores": [
            (label, (suggestion.scores or {}).get(value, 0)) for value, label in CustomerTypeChoices.choices
        ]
        if suggestion
        else [],
        "guidance": GUIDANCE.get(current.customer_type) if current else None,
        # the order page's header shows the current type next to the customer's tier
        "header_fact": {
            "label": _("Customer type"),
            "text": current.get_customer_type_display(),
            "anchor": "customer-type-section",
        }
        if current
        else None,
        "choices": CustomerTypeChoices.choices,
        "history": list(reversed(rows))[:10],
        "can_work": _can_work(request, o),
        "errors": _errors(request, "type"),
    }


def complaint_panel(request: HttpRequest, o: WorkOrder) -> dict[str, Any] | None:
    if o.order_type != rules.COMPLAINT:
        return None
    staff = staff_of(request.user)
    read = {
        name: hooks.panel_rows(o, f"complaints_{name}_rows")
        for name in ("record", "step", "compensation", "cause")
    }
    if any(rows is None for rows in read.values()):  # read without them: the card's own queries
        record = ComplaintRecord.objects.filter(workorder=o).select_related(*RECORD_RELATED).first()
        causes = list(ComplaintCause.objects.filter(is_active=True).order_by(*CAUSE_ORDER))
        done_rows = list(ComplaintStep.objects.filter(workorder=o).select_related(*STEP_RELATED))
        compensations = list(
            Compensation.objects.filter(workorder=o)
            .select_related(*COMPENSATION_RELATED)
            .order_by("requested_at", "id")
        )
    else:
        records = instances(ComplaintRecord, read["record"], RECORD_RELATED)
        record = records[0] if records else None
        causes = instances(ComplaintCause, read["cause"])
        done_rows = instances(ComplaintStep, read["step"], STEP_RELATED)
        compensations = instances(Compensation, read["compensation"], COMPENSATION_RELATED)
    groups = [(label, [c for c in causes if c.category == value]) for value, label in CauseCategory.choices]
    done = {s.step: s for s in done_rows}
    steps = [(value, label, done.get(value)) for value, label in HandlingStep.choices]
    return {
        "o": o,
        "record": record,
        "groups": groups,
        "steps": steps,
        "steps_done": len(done),
        "steps_total": len(steps),
        "compensations": compensations,
        "limit": actions.limit_for(o, staff.role) if staff is not None else None,
        "can_work": _can_work(request, o),
        "can_approve": actions.can_approve(request.user),
        "staff_id": staff.pk if staff else None,
        "errors": {
            **_errors(request, "classify"),
            **_errors(request, "compensation"),
            **_errors(request, "step"),
            **_errors(request, "decide"),
        },
        "posted": getattr(request, "complaints_posted", {}),
    }


def register() -> None:
    hooks.register_customer_text_listener("complaints.customer_type", on_customer_text)
    hooks.register_new_order_text_classifier(actions.NEW_ORDER_CLASSIFIER, actions.classify_new_order)
    hooks.register_new_order_annotations(actions.NEW_ORDER_CLASSIFIER, actions.new_order_annotations)
    hooks.register_transition_guard("complaints.cause_before_close", guard_complaint_cause)
    hooks.register_order_panel(
        hooks.OrderPanel(
            "complaints.customer_type",
            "complaints/panel_customer_type.html",
            customer_type_panel,
            40,
            annotations=order_panel_annotations,  # the rows of both cards
        )
    )
    hooks.register_order_panel(
        hooks.OrderPanel("complaints.complaint", "complaints/panel_complaint.html", complaint_panel, 45)
    )

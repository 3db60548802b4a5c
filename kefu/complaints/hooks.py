"""What complaints plugs into the work-order flow (registered in ComplaintsConfig.ready()):

- the customer-text listener suggests the customer type from the request of a new order and from each
  later message of the customer (kefu.workorders.hooks.notify_customer_text, called by
  ``create_order_for`` and ``customer_message_on`` in the order's transaction);
- the transition guard refuses to close a complaint whose cause is not recorded;
- two order-page panels: the customer type (every order) and the complaint handling (complaints).
"""

from __future__ import annotations

from typing import Any

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
from kefu.organization.access import staff_of
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


def customer_type_panel(request: HttpRequest, o: WorkOrder) -> dict[str, Any] | None:
    rows = list(OrderCustomerType.objects.filter(workorder=o).select_related("set_by").order_by("at", "id"))
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
    record = ComplaintRecord.objects.filter(workorder=o).select_related("cause", "classified_by").first()
    causes = list(ComplaintCause.objects.filter(is_active=True))
    groups = [(label, [c for c in causes if c.category == value]) for value, label in CauseCategory.choices]
    done = {s.step: s for s in ComplaintStep.objects.filter(workorder=o).select_related("done_by")}
    steps = [(value, label, done.get(value)) for value, label in HandlingStep.choices]
    compensations = list(
        Compensation.objects.filter(workorder=o).select_related("requested_by", "decided_by")
    )
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
            "complaints.customer_type", "complaints/panel_customer_type.html", customer_type_panel, 40
        )
    )
    hooks.register_order_panel(
        hooks.OrderPanel("complaints.complaint", "complaints/panel_complaint.html", complaint_panel, 45)
    )

"""Masking in templates (docs/privacy.md, "Masking").

- ``{{ value|mask:"phone" }}``: always masked (kinds of ``kefu.lib.masking``);
- ``{% personal value "phone" %}``: masked unless the viewer (``request.staff``) holds ``personal.unmasked``;
- ``{% revealable customer "phone" %}``: the field masked, with the reveal form (a reason from the list,
  HTMX) for viewers holding ``personal.reveal``; in full for viewers holding ``personal.unmasked``.
"""

from __future__ import annotations

from typing import Any

from django import template

from kefu.lib import masking
from kefu.privacy import rules
from kefu.privacy.models import RevealReason

register = template.Library()


def _staff(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "staff", None) if request is not None else None


def _can(context: Any, capability: str) -> bool:
    staff = _staff(context)
    return staff is not None and staff.can(capability)


@register.filter
def mask(value: Any, kind: str) -> str:
    return masking.mask(kind, "" if value is None else str(value))


@register.simple_tag(takes_context=True)
def personal(context: Any, value: Any, kind: str) -> str:
    text = "" if value is None else str(value)
    return masking.shown(kind, text, unmasked=_can(context, rules.UNMASKED))


@register.inclusion_tag("privacy/_field.html", takes_context=True)
def revealable(context: Any, customer: Any, field: str, tel: str = "") -> dict[str, Any]:
    value = str(getattr(customer, field, "") or "")
    unmasked = _can(context, rules.UNMASKED)
    kind = rules.REVEALABLE[field]
    return {
        "customer_id": customer.pk,
        "field": field,
        "value": value if unmasked else "",
        "revealed": unmasked,
        "masked": masking.mask(kind, value),
        "can_reveal": bool(value) and not unmasked and _can(context, rules.REVEAL),
        "reasons": RevealReason.choices,
        "tel": tel,
        "csrf_token": context.get("csrf_token"),
    }

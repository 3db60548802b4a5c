"""``{% open_surveys customer %}``: the customer's open survey invitations on the portal home."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.surveys.actions import open_invitations_of

register = template.Library()


@register.inclusion_tag("surveys/_portal_open.html")
def open_surveys(customer: Any) -> dict[str, Any]:
    return {"invitations": open_invitations_of(customer) if customer is not None else []}

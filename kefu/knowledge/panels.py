"""The "suggested answers" card on the console order page (registered with kefu.workorders.hooks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kefu.organization.access import staff_of
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder


def suggestions_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """No queries here: the list is loaded by the card itself (HTMX), on load and while the agent types."""
    if staff_of(request.user) is None:
        return None
    return {}


def register() -> None:
    hooks.register_order_panel(
        hooks.OrderPanel("knowledge.suggestions", "knowledge/_panel.html", suggestions_panel, position=850)
    )

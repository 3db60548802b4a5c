"""The "Macros" card on the console order page (registered with kefu.workorders.hooks). No query: the
picker is loaded by the card itself (HTMX), so the order page's statement count does not change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kefu.organization.access import staff_of
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder


def macro_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None or not staff.can("order.work"):
        return None
    return {}


def register() -> None:
    hooks.register_order_panel(
        hooks.OrderPanel("macros", "macros/_order_panel.html", macro_panel, position=880)
    )

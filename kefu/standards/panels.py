"""The "standard phrases" card on the console order page (registered with kefu.workorders.hooks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from kefu.organization.access import staff_of
from kefu.standards import services
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder


def phrase_options(order: WorkOrder) -> list[dict[str, Any]]:
    """Option groups by situation: each phrase rendered for ``order``, in the user's language first."""
    langs = ["en", "zh"] if (get_language() or "").startswith("en") else ["zh", "en"]
    groups = []
    for g in services.library(order):
        options = []
        for lang in langs:
            for e in g["phrases"]:
                r = e.get(lang)
                if r is None:
                    continue
                options.append(
                    {
                        "value": f"{e['phrase'].pk}-{lang}",
                        "lang": "zh-Hans" if lang == "zh" else "en",
                        "text": r.text,
                        "problems": [err.extra["variable"] for err in r.errors],
                    }
                )
        groups.append({"situation": g["situation"], "options": options})
    return groups


def phrase_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """No queries here: the options are loaded by the select itself (HTMX), so the order page's query
    count does not grow with the library."""
    staff = staff_of(request.user)
    if staff is None or not staff.can("order.reply"):
        return None
    return {}


def register() -> None:
    hooks.register_order_panel(
        hooks.OrderPanel("standards.phrases", "standards/_phrase_panel.html", phrase_panel, position=900)
    )

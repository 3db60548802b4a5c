"""The "standard phrases" card on the console order page (registered with kefu.workorders.hooks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from kefu.organization.access import staff_of
from kefu.standards import services
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder

HTML_LANG = {"zh": "zh-Hans", "zh-hant": "zh-Hant"}  # a library key → the HTML lang attribute


def phrase_options(order: WorkOrder) -> list[dict[str, Any]]:
    """Option groups by situation: each phrase rendered for ``order`` in every enabled language it has, the
    customer's language first, then the user's, then the others (settings order)."""
    first = [services.phrase_key(services.order_language(order)), services.phrase_key(get_language())]
    langs = list(dict.fromkeys([*first, *services.library_languages()]))
    names = {services.phrase_key(code): str(name) for code, name in settings.LANGUAGES}
    groups = []
    for g in services.library(order, langs):
        options = []
        for lang in langs:
            for e in g["phrases"]:
                r = e.get(lang)
                if r is None:
                    continue
                options.append(
                    {
                        "value": f"{e['phrase'].pk}-{lang}",
                        "lang": HTML_LANG.get(lang, lang),
                        "lang_name": names.get(lang, lang),
                        "customer_language": lang == first[0],
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

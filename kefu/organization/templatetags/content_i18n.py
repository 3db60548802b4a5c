"""``{% load content_i18n %}`` … ``{{ service|tr:"name" }}``: an administrator's text in the active language."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.lib.content_i18n import translated

register = template.Library()


@register.filter(name="tr")
def tr(obj: Any, field: str) -> str:
    """``obj.<field>`` in the active language, falling back to the Simplified Chinese text."""
    if obj is None:
        return ""
    return translated(obj, field)

"""Filters of the service catalogue editor: ``form|field_of:"name"`` (a bound field by a computed name) and
``"en"|language_label`` (the enabled language's name)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def field_of(form: Any, name: str) -> Any:
    return form[name]


@register.filter
def language_label(code: str) -> str:
    """The language's own name (简体中文, English, 繁體中文, Magyar), as the language menu shows it."""
    return str(dict(settings.LANGUAGES).get(code, code))

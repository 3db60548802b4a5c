"""Filters of the service catalogue editor: ``form|field_of:"name"`` (a bound field by a computed name) and
``"en"|language_label`` (the enabled language's name); the history's ``catalogue_field``, ``change_value`` and
``row_label``."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from kefu.commitments import catalogue
from kefu.commitments.models import ClockKindChoices

register = template.Library()


@register.filter
def field_of(form: Any, name: str) -> Any:
    return form[name]


@register.filter
def language_label(code: str) -> str:
    """The language's own name (简体中文, English, 繁體中文, Magyar), as the language menu shows it."""
    return str(dict(settings.LANGUAGES).get(code, code))


@register.filter
def catalogue_field(key: str, section: str = "service") -> str:
    """A changed field's name for people (``fee`` → 收费, ``tr.en.name`` → 名称 (English)); a row's field with
    its list: ``f.field|catalogue_field:"fees"``."""
    return catalogue.field_label(str(key), str(section))


@register.filter
def change_value(value: Any) -> str:
    """A value before or after a change: yes/no, "—" for nothing."""
    return catalogue.shown(value)


@register.filter
def row_label(label: str, section: str) -> str:
    """A changed row's name: the clock's name for a time limit, else the row's own name."""
    if section == "limits":
        return str(dict(ClockKindChoices.choices).get(label, label))
    return str(label)

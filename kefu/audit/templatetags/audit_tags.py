"""``{% load audit_tags %}`` then ``{{ record.action|audit_label }}``."""

from __future__ import annotations

from django import template

from kefu.audit.labels import label

register = template.Library()


@register.filter
def audit_label(code: str) -> str:
    return label(code)

"""``{% notification_bell %}``: the bell in the console's top bar with the unread count (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.notifications.actions import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    staff = context.get("current_staff")
    if staff is None or not getattr(staff, "is_active", False):
        return {"show": False}
    return {"show": True, "unread": unread_count(staff)}

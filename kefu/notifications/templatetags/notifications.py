"""``{% notification_bell %}``: the bell in the console's top bar with the unread count (read with the
session's user by ``kefu.console.auth``, else one query)."""

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
    unread = getattr(staff, "unread_at_start", None)
    return {"show": True, "unread": unread_count(staff) if unread is None else unread}

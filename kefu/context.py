"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kefu.live.bus import latest_id
from kefu.organization.access import may_see_reports

# the main menu's groups (base.html) and the pages (URL names, or their prefixes ending in "*") of each
NAV_GROUPS = {
    "work": ("queue?owned", "queue?team", "escalations", "callbacks", "maintenance", "incident*"),
    "quality": (
        "followup*",
        "quality*",
        "recovery*",
        "complaints*",
        "standards*",
        "inspection*",
        "training*",
        "supervision*",
        "privacy_unusual",
    ),
    "admin": ("channel_health", "retention_periods", "fields*", "signatures", "config*"),
}


def nav_group(request: HttpRequest) -> str:
    """The menu group holding the current page ("" for a top-level link or no console page)."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", None) or ""
    if name == "queue":
        name = f"queue?{request.GET.get('tab', 'mine')}"
    for group, pages in NAV_GROUPS.items():
        for page in pages:
            if name == page or (page.endswith("*") and name.startswith(page[:-1])):
                return group
    return ""


def _live_since(user: Any) -> Any:
    """The newest live event when the page was asked for (read with the session's user by
    ``kefu.console.auth``; else one query when the page uses it)."""
    since = getattr(user, "kefu_live_since", None)
    return latest_id if since is None else since


def kefu_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    staff = None
    if user is not None and user.is_authenticated:
        staff = getattr(user, "staff", None)
    return {
        "current_staff": staff,
        "queue_poll_seconds": settings.KEFU_QUEUE_POLL_SECONDS,
        # server push (kefu.live): the page's stream starts after the newest event at render time
        "live_enabled": settings.KEFU_LIVE and staff is not None,
        "live_since": _live_since(user),
        "live_port": settings.KEFU_LIVE_PORT,  # the streams on another port of this host (kefu serve)
        "nav_group": nav_group(request) if staff is not None else "",
        "may_see_reports": may_see_reports(staff),  # the Reports and Quality menu entries
    }

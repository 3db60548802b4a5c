"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def kefu_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    staff = None
    if user is not None and user.is_authenticated:
        staff = getattr(user, "staff", None)
    return {
        "current_staff": staff,
        "queue_poll_seconds": settings.KEFU_QUEUE_POLL_SECONDS,
    }

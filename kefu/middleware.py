"""Request middleware: show times in the user's (branch's) time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class UserTimezoneMiddleware:
    """Activate the staff member's branch time zone (stored in UTC, shown locally)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tzname = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            tzname = request.session.get("kefu_tz")
            if tzname is None:
                staff = getattr(user, "staff", None)
                customer = getattr(user, "customer", None)
                branch = (
                    staff.branch if staff is not None else (customer.branch if customer is not None else None)
                )
                tzname = branch.time_zone if branch is not None else ""
                request.session["kefu_tz"] = tzname
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)

"""Console pages of notifications: the list (mark read, mark all read, open the order) and the preferences.
Mounted under /notifications/ by kefu.console.urls (names in the console namespace)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.lib.errors import KefuError, NotFound
from kefu.notifications import actions, texts
from kefu.notifications.models import PreferenceKind, QuietHours
from kefu.organization.access import staff_of

PAGE_SIZE = 25
View = Callable[..., HttpResponseBase]


def _staff_only(view: View) -> View:
    """Logged-in, active staff only; anyone else gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if staff_of(request.user) is None:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    return wrapper


@_staff_only
def notification_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    assert staff is not None
    page = Paginator(actions.notifications_of(staff), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"n": n, "text": texts.describe(n.kind, n.params), "detail": texts.detail(n.params)}
        for n in page.object_list
    ]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "rows": rows, "unread": actions.unread_count(staff)},
    )


@require_POST
@_staff_only
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    actions.do_mark_read(request.user, notification_id)
    return redirect(_back(request))


@require_POST
@_staff_only
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.do_mark_all_read(request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("console:notification_list")


@require_POST
@_staff_only
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and go to the order (or back to the list when there is none); a service recovery
    notification goes to the service recovery page, where the task is done."""
    n = actions.do_mark_read(request.user, notification_id)
    if (n.params or {}).get("recovery"):
        return redirect("console:recovery_list")
    if n.kind == "webhook_disabled" and str((n.params or {}).get("webhook", "")).isdigit():
        return redirect("console:automation_webhook", pk=int(n.params["webhook"]))  # docs/webhooks.md
    if n.workorder_id is not None and n.workorder is not None:
        return redirect("console:order_detail", key=n.workorder.number)
    return redirect("console:notification_list")


def _back(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("console:notification_list")
    return f"{url}?page={page}" if page.isdecimal() else url


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@_staff_only
def preferences(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    assert staff is not None
    error = None
    if request.method == "POST":
        choices = {
            kind: (
                request.POST.get(f"email-{kind}") == "on",
                request.POST.get(f"sms-{kind}") == "on",
                request.POST.get(f"wecom-{kind}") == "on",
            )
            for kind in PreferenceKind.values
        }
        start, end = _time(request.POST.get("quiet_start", "")), _time(request.POST.get("quiet_end", ""))
        try:
            if (start is None) != (end is None) or (
                start is None and (request.POST.get("quiet_start") or request.POST.get("quiet_end"))
            ):
                raise KefuError("invalid", _("Give both times of the quiet period as HH:MM, or neither."))
            actions.do_save_preferences(
                request.user, choices, (start, end) if start is not None and end is not None else None
            )
        except KefuError as exc:
            error = exc.message
        else:
            messages.success(request, _("Notification preferences saved."))
            return redirect("console:notification_preferences")
    quiet = QuietHours.objects.filter(staff=staff).first()
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": actions.preferences_of(staff),
            "quiet": quiet,
            "error": error,
            "wecom_userid": staff.wecom_userid,
        },
    )

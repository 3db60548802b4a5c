"""The session's user in one query: the login, its staff profile, the bell's unread count and the newest
live event (``StaffSessionBackend``, with the session engine ``kefu.console.sessions``).

Django's ``ModelBackend`` reads the login and the console then reads the staff profile, the bell and the
live stream's starting point with a query each on every page. Here the session engine reads them with the
session; this backend takes that user (else it reads them in one query); everything else (password
sign-in, permissions, "user can authenticate") is ``ModelBackend``'s. The bell and the live-stream id are
values at the start of the request: the stream starts at or before that event (nothing is missed; an event
of this request may reach the page it produced, which ignores it like any repeat), the bell is kept
current by the push."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from kefu.console.sessions import session_user
from kefu.live.models import LiveEvent
from kefu.notifications.models import Notification

PATH = "kefu.console.auth.StaffSessionBackend"


def session_user_annotations(staff_id: str) -> dict[str, Any]:
    """The bell's unread count of the staff member whose id is the field ``staff_id`` and the newest
    live event id, as annotations of the query that reads the user."""
    unread = (
        Notification.objects.filter(recipient_id=OuterRef(staff_id), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return {
        "kefu_unread": Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        "kefu_live_since": Coalesce(Subquery(LiveEvent.objects.order_by("-id").values("id")[:1]), 0),
    }


class StaffSessionBackend(ModelBackend):
    """``ModelBackend`` whose session look-up brings the staff profile, the unread count of the bell
    (``Staff.unread_at_start``) and the newest live event id (``User.kefu_live_since``)."""

    def get_user(self, user_id: Any) -> Any:
        user = session_user(user_id)
        if user is None:
            user = (
                get_user_model()
                ._default_manager.select_related("staff")
                .annotate(**session_user_annotations("staff__id"))
                .filter(pk=user_id)
                .first()
            )
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            staff = user.staff
        except ObjectDoesNotExist:  # a customer's portal login
            staff = None
        if staff is not None:
            staff.unread_at_start = user.kefu_unread
        return user

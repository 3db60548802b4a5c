"""Session engine (``SESSION_ENGINE``): Django's database sessions, read together with the signed-in user,
the staff profile, the bell's unread count and the newest live event in one query, compiled once per
process (``kefu.lib.prepared``).

The session row carries the user's id (:class:`~kefu.console.models.StaffSession`); reading the session
joins the user and the staff profile, and the authentication backend
(``kefu.console.auth.StaffSessionBackend``) takes that user instead of reading it again. Django's checks
are unchanged: the backend named in the session must be configured, the user must be active, the session's
password hash must match (``django.contrib.auth.get_user``)."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.db import router

from kefu.lib import clock
from kefu.lib.prepared import SAMPLE_MOMENT, Prepared

# the user read with this request's session (a context variable: asgiref carries it into the thread of a
# synchronous view and keeps concurrent requests apart)
_session_user: contextvars.ContextVar[Any] = contextvars.ContextVar("kefu_session_user", default=None)

# the session's query, compiled once per process and database (built at the first use: the models'
# modules import this one)
_SESSION: Prepared[Any] | None = None


def session_user(user_id: Any) -> Any:
    """The user read with the current request's session when it is ``user_id``; None otherwise."""
    user = _session_user.get()
    if user is None or str(user.pk) != str(user_id):
        return None
    return user


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from kefu.console.models import StaffSession

        return StaffSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        obj: Any = super().create_model_instance(data)
        try:
            obj.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            obj.user_id = None
        return obj

    def _get_session_from_db(self) -> Any:
        from kefu.console.auth import session_user_annotations
        from kefu.console.models import StaffSession

        _session_user.set(None)
        global _SESSION
        if _SESSION is None:
            _SESSION = Prepared(
                lambda key, now: (
                    StaffSession.objects.select_related("user__staff")
                    .annotate(**session_user_annotations("user__staff__id"))
                    .filter(session_key=key, expire_date__gt=now)[:1]
                ),
                key="\x01kefu-sample-session-key",
                now=SAMPLE_MOMENT,
            )
        try:
            row: Any = _SESSION.first(router.db_for_read(StaffSession), key=self.session_key, now=clock.now())
        except SuspiciousOperation as e:
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            row = None
        if row is None:
            self._session_key = None
            return None
        user = row.user
        if user is not None:
            user.kefu_unread = row.kefu_unread
            user.kefu_live_since = row.kefu_live_since
            _session_user.set(user)
        return row

"""The console's session table: Django's database sessions with the signed-in user's id as a column, so the
session, the user and the staff profile are read by one query (``kefu.console.sessions``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class StaffSession(AbstractBaseSession):
    """A session (``SESSION_ENGINE = "kefu.console.sessions"``); ``user``: who signed in with it (none for
    a visitor), set whenever the session is saved. No foreign-key constraint: a user deleted meanwhile is
    simply not found, as with Django's own sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        db_table = "kefu_session"
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from kefu.console.sessions import SessionStore

        return SessionStore

"""Setting or changing a portal customer's password (``/portal/password/``).

* A customer who **has a password** must give it (Django's ``PasswordChangeForm``). A wrong one counts
  as a failed login for that login name and client address (the counters of ``/login/``), so the page
  gives no extra guesses; past ``KEFU_LOGIN_MAX_FAILURES`` it refuses until the window ends.
* A customer **without a password** (signed in only with one-time links) may set one only within
  ``KEFU_PORTAL_RECENT_AUTH_MINUTES`` (default 10) after signing in with a link (the time is kept in
  the session by the link sign-in); later they ask for a new link, which the page can send to the
  address they signed in with.
* Every attempt counts per customer and per client address (``KEFU_PORTAL_PASSWORD_PER_HOUR``, per
  address four times that); hashing a password is deliberately slow.
* A saved password keeps the session (the caller calls ``update_session_auth_hash``), writes the
  service log and, through the login state hashed into sign-in links, voids every link still out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers.models import Customer
from kefu.lib import ratelimit
from kefu.lib.errors import TooManyRequests

#: session keys written by the link sign-in (``portal_public_views.signin_link``)
SIGNED_IN_AT = "kefu_portal_link_signin_at"
SIGNED_IN_ADDRESS = "kefu_portal_link_address"
WINDOW = 3600


def recent_minutes() -> int:
    return int(getattr(settings, "KEFU_PORTAL_RECENT_AUTH_MINUTES", 10))


def per_hour() -> int:
    return int(getattr(settings, "KEFU_PORTAL_PASSWORD_PER_HOUR", 10))


def remember_link_signin(session: SessionBase, address: str, now: dt.datetime) -> None:
    session[SIGNED_IN_AT] = now.isoformat()
    session[SIGNED_IN_ADDRESS] = address


def set_deadline(session: SessionBase, now: dt.datetime) -> dt.datetime | None:
    """Until when a customer without a password may set one (None: the link sign-in is too old or
    this session did not start with a link)."""
    raw = session.get(SIGNED_IN_AT)
    if not raw:
        return None
    try:
        at = dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None
    deadline = at + dt.timedelta(minutes=recent_minutes())
    return deadline if at <= now < deadline else None


def check_attempt(user: AbstractBaseUser, ip: str) -> None:
    """Count one attempt; raise ``TooManyRequests`` when the customer or the client address is over
    the hourly limit, or the login name is locked by failed passwords."""
    if ratelimit.count("portal-password-user", str(user.pk)) >= per_hour() or (
        ratelimit.count("portal-password-ip", ip) >= per_hour() * 4
    ):
        raise TooManyRequests(
            "rate_limited", _("Too many password changes. Please wait an hour and try again.")
        )
    limit = settings.KEFU_LOGIN_MAX_FAILURES
    username = user.get_username().strip().lower()
    if ratelimit.count("login-user", username) >= limit or ratelimit.count("login-ip", ip) >= limit * 4:
        raise TooManyRequests(
            "rate_limited",
            _("Too many wrong passwords. Wait %(minutes)d minutes and try again.")
            % {"minutes": settings.KEFU_LOGIN_WINDOW_SECONDS // 60},
        )
    ratelimit.increment("portal-password-user", str(user.pk), WINDOW)
    ratelimit.increment("portal-password-ip", ip, WINDOW)


def count_wrong_current_password(user: AbstractBaseUser, ip: str) -> None:
    window = settings.KEFU_LOGIN_WINDOW_SECONDS
    ratelimit.increment("login-user", user.get_username().strip().lower(), window)
    ratelimit.increment("login-ip", ip, window)


def password_form(user: Any, data: Any = None) -> SetPasswordForm:
    """``PasswordChangeForm`` (asks for the current password) when the user has one, else
    ``SetPasswordForm``."""
    if user.has_usable_password():
        return PasswordChangeForm(user, data)
    return SetPasswordForm(user, data)


@transaction.atomic
def do_save_password(form: SetPasswordForm, customer: Customer) -> Any:
    """Save a valid form's password and write the service log."""
    changed = form.user.has_usable_password()
    user = form.save()
    audit.record(
        user,
        "portal.password_changed" if changed else "portal.password_set",
        customer,
        customer_id=customer.pk,
        summary=(
            _("Customer %(name)s changed their portal password")
            if changed
            else _("Customer %(name)s set a portal password")
        )
        % {"name": customer.name},
    )
    return user

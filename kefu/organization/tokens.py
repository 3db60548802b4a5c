"""API tokens for integrations: ``Authorization: Bearer kefu_…``. Only the SHA-256 of a token is stored.

The ``kefu token`` CLI and the admin call these functions; :mod:`kefu.api.auth` checks tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.models import ApiToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_PREFIX = "kefu_"  # noqa: S105 - a public prefix, not a secret
# last_used_at is written at most this often per token (a busy integration must not write on every call)
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(user: User, name: str) -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the secret (shown once, never stored) and the row."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationFailed("required", _("Give the token a name."), "name")
    if len(clean) > 100:
        raise ValidationFailed("too_long", _("The name is longer than 100 characters."), "name")
    if user is None or not getattr(user, "pk", None):
        raise ValidationFailed("required", _("Choose a user."), "user")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=clean,
        prefix=token[:12],
        key_hash=hash_token(token),
        created_at=clock.now(),
    )
    audit.record(user, "api_token.create", row, after={"name": clean, "prefix": row.prefix})
    return token, row


@transaction.atomic
def revoke_token(token_id: int, *, actor: Any = None) -> ApiToken:
    """Revoke a token by id (idempotent)."""
    row = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if row is None:
        raise NotFound("not_found", _("Token not found."), "token")
    if not row.revoked:
        row.revoked = True
        row.save(update_fields=["revoked"])
        audit.record(actor or row.user, "api_token.revoke", row, after={"revoked": True})
    return row


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def user_for_token(token: str) -> Any | None:
    """The active user behind a valid, unrevoked token, or None. Touches ``last_used_at`` (≤ 1/min)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("user", "user__staff", "user__customer")
        .filter(key_hash=hash_token(token), revoked=False)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user

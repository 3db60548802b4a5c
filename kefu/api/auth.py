"""Authentication of API calls: bearer tokens for integrations, the Django session for the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from kefu.organization.tokens import user_for_token


class BearerToken(HttpBearer):
    """``Authorization: Bearer kefu_…``. A token that is present but wrong or revoked is refused
    outright (401), even when the request also carries a session."""

    openapi_description = "API token created with `kefu token create USERNAME NAME`."

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token.strip())
        if user is None:
            raise AuthenticationError(401, _("The API token is invalid or has been revoked."))
        request.user = user
        return user


class SessionWithCsrf(SessionAuth):
    """The browser's Django session. Unsafe methods need the CSRF token (``X-CSRFToken`` header);
    a request without a logged-in session is simply not authenticated (→ 401, not a CSRF 403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


bearer = BearerToken()
session = SessionWithCsrf(csrf=True)

"""Staff sign-in with OpenID Connect (mozilla-django-oidc; docs/sso.md).

Configured from ``KEFU_OIDC_*`` (kefu/settings.py): the provider's endpoints come from its discovery
document (``<issuer>/.well-known/openid-configuration``, read when first needed and kept an hour). The
authorization-code flow with PKCE and a nonce; the ID token's signature (the provider's JWKS), issuer,
audience and expiry are checked; the claims of the ID token and of the userinfo answer together give the
person (``sub``), their user name, name, e-mail and groups, and :func:`kefu.sso.actions.do_directory_sign_in`
decides (role and branch from the group mappings of source "oidc").
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from kefu.audit import log as audit
from kefu.lib import ratelimit
from kefu.sso import actions
from kefu.sso.models import ExternalAccount, Source

logger = logging.getLogger(__name__)
DISCOVERY_TTL_SECONDS = 3600
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def issuer() -> str:
    return str(settings.KEFU_OIDC_ISSUER).rstrip("/")


def discovery() -> dict[str, Any]:
    """The provider's discovery document (cached per process)."""
    url = f"{issuer()}/.well-known/openid-configuration"
    with _lock:
        cached = _discovery.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    response = requests.get(url, timeout=settings.KEFU_OIDC_TIMEOUT)
    response.raise_for_status()
    doc = response.json()
    if str(doc.get("issuer", "")).rstrip("/") != issuer():
        raise ImproperlyConfigured(
            f"KEFU_OIDC_ISSUER={issuer()!r}: the provider calls itself {doc.get('issuer')!r}"
        )
    with _lock:
        _discovery[url] = (time.monotonic() + DISCOVERY_TTL_SECONDS, doc)
    return doc


def forget_discovery() -> None:
    with _lock:
        _discovery.clear()


_FROM_DISCOVERY = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def library_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, made from KEFU_OIDC_* and the discovery document."""
    if attr in _FROM_DISCOVERY:
        return discovery()[_FROM_DISCOVERY[attr]]
    fixed: dict[str, Any] = {
        "OIDC_RP_CLIENT_ID": settings.KEFU_OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.KEFU_OIDC_CLIENT_SECRET,
        "OIDC_RP_SIGN_ALGO": settings.KEFU_OIDC_SIGN_ALGO,
        "OIDC_RP_SCOPES": settings.KEFU_OIDC_SCOPES,
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        "OIDC_TIMEOUT": settings.KEFU_OIDC_TIMEOUT,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
        "LOGIN_REDIRECT_URL_FAILURE": reverse("login"),
    }
    if attr in fixed:
        return fixed[attr]
    return import_from_settings(attr, *default)


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return str(value).strip() if isinstance(value, str | int) else ""


def _groups(claims: dict[str, Any]) -> tuple[str, ...]:
    value = claims.get(settings.KEFU_OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int))
    return ()


class OidcBackend(OIDCAuthenticationBackend):
    """The OpenID Connect backend; listed before Django's ModelBackend when KEFU_OIDC_ISSUER is set."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the library reads its endpoints here; Kefu reads them when a sign-in needs them (discovery is a
        # network call, and this backend is made for every password login too)
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    get_settings = staticmethod(library_setting)

    def get_user(self, user_id: Any) -> Any:
        """The session's user, unless deactivated (as Django's ModelBackend: a suspension ends the session)."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return str(library_setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return str(library_setting("OIDC_OP_USER_ENDPOINT"))

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return str(library_setting("OIDC_OP_JWKS_ENDPOINT"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.KEFU_OIDC_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.KEFU_OIDC_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(settings.KEFU_OIDC_SIGN_ALGO)

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, KeyError, ValueError) as exc:
            # a bad or foreign token, a provider that does not answer: no sign-in, a line in the service log
            logger.warning("OpenID Connect sign-in failed: %s", exc)
            with transaction.atomic():
                audit.record(
                    None,
                    "sso.refused",
                    object_type=ExternalAccount._meta.label_lower,
                    object_id="",
                    after={"source": Source.OIDC.value, "reason": "provider_error"},
                    summary=f"oidc: {type(exc).__name__}: {exc}"[:500],
                )
            return None

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if str(payload.get("iss", "")).rstrip("/") != issuer():
            raise SuspiciousOperation("ID token from another issuer")
        if settings.KEFU_OIDC_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") not in (None, payload.get("sub")):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        claims = {**payload, **userinfo}
        email = _text(claims, "email")
        username = _text(claims, settings.KEFU_OIDC_USERNAME_CLAIM) or email.split("@")[0]
        profile = actions.DirectoryProfile(
            source=Source.OIDC.value,
            subject=_text(payload, "sub"),
            username=username.lower(),
            name=_text(claims, "name") or username,
            email=email,
            badge_no=_text(claims, settings.KEFU_OIDC_BADGE_CLAIM) if settings.KEFU_OIDC_BADGE_CLAIM else "",
            groups=_groups(claims),
        )
        try:
            return actions.do_directory_sign_in(profile, client_ip=ratelimit.client_ip(self.request))
        except actions.SignInRefused as exc:
            self.request.kefu_sso_refusal = exc.message
            return None


class OidcSignIn(OIDCAuthenticationRequestView):
    """GET /sso/oidc/start/: off to the provider (with the page to come back to in ``next``)."""

    get_settings = staticmethod(library_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: Any) -> HttpResponse:
        if not settings.KEFU_OIDC_ISSUER:
            return HttpResponseRedirect(reverse("login"))
        self.OIDC_OP_AUTH_ENDPOINT = library_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.KEFU_OIDC_CLIENT_ID
        return super().get(request)


class OidcCallback(OIDCAuthenticationCallbackView):
    """GET /sso/oidc/callback/: the provider sends the person back here with a code."""

    get_settings = staticmethod(library_setting)

    def login_failure(self) -> HttpResponse:
        from django.utils.translation import gettext as _

        refusal = getattr(self.request, "kefu_sso_refusal", None)
        messages.error(
            self.request,
            refusal
            or _("Signing in with %(provider)s did not work. Try again, or ask an administrator.")
            % {"provider": settings.KEFU_OIDC_NAME},
        )
        return HttpResponseRedirect(reverse("login"))

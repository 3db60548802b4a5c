"""Login with a failure limit per username and per client address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as django_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.lib import ratelimit


class RateLimitedAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        request = self.request
        assert request is not None
        username = (self.data.get("username") or "").strip().lower()
        ip = ratelimit.client_ip(request)
        limit = settings.KEFU_LOGIN_MAX_FAILURES
        if ratelimit.count("login-user", username) >= limit or ratelimit.count("login-ip", ip) >= limit * 4:
            raise ValidationError(
                _("Too many failed logins. Wait %(minutes)d minutes and try again.")
                % {"minutes": settings.KEFU_LOGIN_WINDOW_SECONDS // 60},
                code="rate_limited",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            window = settings.KEFU_LOGIN_WINDOW_SECONDS
            ratelimit.increment("login-user", username, window)
            ratelimit.increment("login-ip", ip, window)
            refusal = getattr(request, "kefu_sso_refusal", None)  # the directory knew them (docs/sso.md)
            if refusal is not None:
                raise ValidationError(str(refusal), code="sso_refused") from None
            raise
        ratelimit.reset("login-user", username)
        return cleaned


class LoginView(django_views.LoginView):
    form_class = RateLimitedAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = settings.KEFU_OIDC_NAME if settings.KEFU_OIDC_ISSUER else ""
        context["sso_directory"] = bool(settings.KEFU_LDAP_URL)
        return context

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if getattr(user, "staff", None) is None and getattr(user, "customer", None) is not None:
            return resolve_url("portal:home")
        return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A translated page instead of Django's English technical one; the API answers JSON."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "csrf", "message": _("CSRF token missing or incorrect."), "field": None}},
            status=403,
        )
    return render(request, "403_csrf.html", status=403)

"""Failed logins go into the service log (any backend: local password, LDAP); the SSO actions' labels."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kefu.audit import log as audit
from kefu.audit.labels import LABELS
from kefu.lib import ratelimit

SSO_LABELS = {
    "auth.login_failed": _("failed login"),
    "sso.refused": _("directory sign-in refused"),
    "sso.staff_created": _("staff member created at the first directory sign-in"),
    "sso.staff_synced": _("role or branch updated from the directory groups"),
    "sso.suspended": _("staff member suspended: the directory groups give no role or branch"),
}


def audit_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    if not username:  # an OpenID Connect callback without a code (nothing was tried)
        return
    ip = ratelimit.client_ip(request) if request is not None else ""
    with transaction.atomic():
        audit.record(
            None,
            "auth.login_failed",
            object_type=get_user_model()._meta.label_lower,
            object_id=username,
            summary=f"{username} ({ip})" if ip else username,
        )


def connect() -> None:
    for code, label in SSO_LABELS.items():
        LABELS.setdefault(code, label)
    user_login_failed.connect(audit_failed_login, dispatch_uid="kefu.sso.audit_failed_login")

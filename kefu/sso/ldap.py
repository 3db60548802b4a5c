"""Staff sign-in against an LDAP directory or Active Directory (django-auth-ldap; docs/sso.md).

Configured from ``KEFU_LDAP_*`` (kefu/settings.py): Kefu binds with the service account, finds the person
with the user filter, binds as them with the password typed on the login page, reads their groups and then
lets :func:`kefu.sso.actions.do_directory_sign_in` decide (role and branch from the group mappings). The
library's own user creation, attribute copying and group mirroring are not used.
"""

from __future__ import annotations

from typing import Any

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import (
    GroupOfNamesType,
    GroupOfUniqueNamesType,
    LDAPSearch,
    NestedActiveDirectoryGroupType,
    PosixGroupType,
)

from kefu.lib import ratelimit
from kefu.sso import actions
from kefu.sso.models import Source

GROUP_TYPES: dict[str, tuple[Any, str]] = {
    # KEFU_LDAP_GROUP_TYPE → (django-auth-ldap group type, the group search's filter)
    "groupOfNames": (GroupOfNamesType, "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": (GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
    "posixGroup": (PosixGroupType, "(objectClass=posixGroup)"),
    "activeDirectory": (NestedActiveDirectoryGroupType, "(objectCategory=group)"),  # nested groups too
}


def library_settings() -> dict[str, Any]:
    """django-auth-ldap's settings (without their AUTH_LDAP_ prefix), made from KEFU_LDAP_*."""
    group_type, group_filter = GROUP_TYPES[settings.KEFU_LDAP_GROUP_TYPE]
    timeout = settings.KEFU_LDAP_TIMEOUT
    options: dict[Any, Any] = {
        ldap.OPT_REFERRALS: 0,  # Active Directory: do not chase referrals (they need another bind)
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
    }
    if settings.KEFU_LDAP_CA_FILE:
        options[ldap.OPT_X_TLS_CACERTFILE] = settings.KEFU_LDAP_CA_FILE
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    attrs = [settings.KEFU_LDAP_ATTR_NAME, settings.KEFU_LDAP_ATTR_EMAIL, settings.KEFU_LDAP_ATTR_BADGE]
    return {
        "SERVER_URI": settings.KEFU_LDAP_URL,
        "BIND_DN": settings.KEFU_LDAP_BIND_DN,
        "BIND_PASSWORD": settings.KEFU_LDAP_BIND_PASSWORD,
        "START_TLS": settings.KEFU_LDAP_START_TLS,
        "CONNECTION_OPTIONS": options,
        "USER_SEARCH": LDAPSearch(
            settings.KEFU_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.KEFU_LDAP_USER_FILTER, attrs
        ),
        "USER_ATTRLIST": attrs,
        "GROUP_SEARCH": LDAPSearch(settings.KEFU_LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE, group_filter),
        "GROUP_TYPE": group_type(),
        "ALWAYS_UPDATE_USER": False,
        "CACHE_TIMEOUT": 0,
        "USER_ATTR_MAP": {},
    }


def _first(attrs: Any, name: str) -> str:
    values = (attrs or {}).get(name) or []
    return str(values[0]).strip() if values else ""


class DirectoryBackend(LDAPBackend):
    """The LDAP / Active Directory backend; listed before Django's ModelBackend when KEFU_LDAP_URL is set."""

    settings_prefix = "KEFU_AUTH_LDAP_"  # nothing has this prefix: every setting comes from default_settings

    @property  # type: ignore[override]
    def default_settings(self) -> dict[str, Any]:
        return library_settings()

    def get_user(self, user_id: Any) -> Any:
        """The session's user, unless deactivated (as Django's ModelBackend: a suspension ends the session)."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        """Called once the password was accepted by the directory: Kefu's rules give the user (or refuse)."""
        attrs = ldap_user.attrs
        profile = actions.DirectoryProfile(
            source=Source.LDAP.value,
            subject=username.strip().lower(),
            username=username.strip().lower(),
            name=_first(attrs, settings.KEFU_LDAP_ATTR_NAME),
            email=_first(attrs, settings.KEFU_LDAP_ATTR_EMAIL),
            badge_no=_first(attrs, settings.KEFU_LDAP_ATTR_BADGE),
            groups=tuple(sorted(ldap_user.group_dns)),
        )
        request = getattr(ldap_user, "_request", None)
        try:
            user = actions.do_directory_sign_in(
                profile, client_ip=ratelimit.client_ip(request) if request is not None else ""
            )
        except actions.SignInRefused as exc:
            if request is not None:  # the login page says why, not only "wrong password"
                request.kefu_sso_refusal = exc.message
            raise ldap_user.AuthenticationFailed(exc.code) from exc
        return user, False

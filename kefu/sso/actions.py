"""Signing in a staff member whose password and groups live in a directory (LDAP / AD or OpenID Connect).

On every sign-in the role and the branch are set again from the groups (rules.resolve). A login Kefu made
for the directory (an :class:`ExternalAccount`) follows the directory; a local account with the same user
name is never taken over (an administrator links it in the back office). A member whose groups no longer
give a role or a branch is suspended (staff and login inactive) and comes back when they do again; a member
an administrator deactivated stays out. Every outcome is in the service log.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.lib.errors import PermissionDenied
from kefu.organization.models import Staff
from kefu.organization.rules import Role
from kefu.sso import rules
from kefu.sso.models import ExternalAccount, GroupMapping

REFUSALS: dict[str, Any] = {
    "no_role": _("None of your directory groups gives a role in Kefu. Ask an administrator."),
    "no_branch": _("None of your directory groups gives a branch in Kefu. Ask an administrator."),
    "local_account": _("A local Kefu account already has this user name; an administrator must link it."),
    "deactivated": _("Your Kefu account is deactivated. Ask an administrator."),
    "no_subject": _("The sign-in provider did not say who you are."),
}


class SignInRefused(PermissionDenied):
    """The directory knows the person, but Kefu does not let them in (code: a key of REFUSALS)."""


@dataclasses.dataclass(frozen=True)
class DirectoryProfile:
    source: str  # Source value
    subject: str  # LDAP: the user name; OpenID Connect: the subject (sub)
    username: str
    name: str
    email: str = ""
    badge_no: str = ""
    groups: tuple[str, ...] = ()


def _staff_view(staff: Staff | None) -> dict[str, Any]:
    if staff is None:
        return {}
    return audit.snapshot(staff, ["name", "role", "branch", "is_active"])


def _badge(profile: DirectoryProfile, user_id: int) -> str:
    wanted = (profile.badge_no or f"{profile.source}-{profile.username}")[:30]
    if not Staff.objects.filter(badge_no=wanted).exists():
        return wanted
    return f"{wanted[:20]}-{user_id}"[:30]


def do_directory_sign_in(profile: DirectoryProfile, *, client_ip: str = "") -> Any:
    """The user to log in, with role and branch set from the profile's groups; else :class:`SignInRefused`."""
    where = f" ({client_ip})" if client_ip else ""
    with transaction.atomic():
        refusal, user = _sign_in(profile)
        if refusal:
            audit.record(
                None,
                "sso.refused",
                object_type=ExternalAccount._meta.label_lower,
                object_id=profile.subject,
                after={"source": profile.source, "username": profile.username, "reason": refusal},
                summary=f"{profile.source}: {profile.username}{where}: {refusal}",
            )
    if refusal:
        raise SignInRefused(refusal, REFUSALS[refusal])
    return user


def _sign_in(profile: DirectoryProfile) -> tuple[str, Any]:
    if not profile.subject or not profile.username:
        return "no_subject", None
    User = get_user_model()
    mappings = [
        rules.MappingRow(group=m.group, role=m.role, branch_id=m.branch_id, company_level=m.company_level)
        for m in GroupMapping.objects.filter(source=profile.source).order_by("position", "id")
    ]
    outcome = rules.resolve(mappings, profile.groups)
    account = (
        ExternalAccount.objects.select_for_update()
        .select_related("user")
        .filter(source=profile.source, subject=profile.subject)
        .first()
    )
    if account is None and User.objects.filter(username__iexact=profile.username).exists():
        return "local_account", None
    user = account.user if account is not None else None
    staff = Staff.objects.select_for_update().filter(user=user).first() if user is not None else None
    now = clock.now()
    if account is not None:
        account.groups = sorted(rules.normalize_group(g) for g in profile.groups)
        account.last_sync_at = now
    if outcome.refusal:
        if account is not None and staff is not None and staff.is_active:
            before = _staff_view(staff)
            staff.is_active = False
            staff.save(update_fields=["is_active"])
            account.user.is_active = False
            account.user.save(update_fields=["is_active"])
            account.suspended = True
            audit.record(
                account.user,
                "sso.suspended",
                staff,
                before=before,
                after=_staff_view(staff),
                summary=f"{profile.source}: {profile.username}: {outcome.refusal}",
            )
        if account is not None:
            account.save()
        return outcome.refusal, None
    inactive = account is not None and (
        (staff is not None and not staff.is_active) or not account.user.is_active
    )
    if account is not None and inactive and not account.suspended:
        account.save()  # deactivated by an administrator: the directory does not undo that
        return "deactivated", None
    role = outcome.role or Role.AGENT.value
    is_admin = role == Role.ADMIN.value
    if user is None:
        user = User.objects.create_user(
            username=profile.username, email=profile.email, is_staff=is_admin, is_superuser=is_admin
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        account = ExternalAccount.objects.create(
            user=user,
            source=profile.source,
            subject=profile.subject,
            groups=sorted(rules.normalize_group(g) for g in profile.groups),
            last_sync_at=now,
        )
    assert account is not None
    user_changes = {
        "email": profile.email or user.email,
        "is_staff": is_admin,
        "is_superuser": is_admin,
        "is_active": True,
    }
    changed = [k for k, v in user_changes.items() if getattr(user, k) != v]
    for key in changed:
        setattr(user, key, user_changes[key])
    if changed:
        user.save(update_fields=changed)
    account.suspended = False
    account.save()
    if staff is None:
        staff = Staff.objects.create(
            user=user,
            name=(profile.name or profile.username)[:100],
            badge_no=_badge(profile, user.pk),
            role=role,
            branch_id=outcome.branch_id,
            hired_on=clock.localdate(),
        )
        audit.record(
            user,
            "sso.staff_created",
            staff,
            after={**_staff_view(staff), "badge_no": staff.badge_no, "groups": list(outcome.matched)},
            summary=f"{profile.source}: {profile.username}",
        )
        return "", user
    before = _staff_view(staff)
    staff.name = (profile.name or staff.name)[:100]
    staff.role = role
    staff.branch_id = outcome.branch_id
    staff.is_active = True
    old, new = audit.diff(before, _staff_view(staff))
    if new:
        staff.save(update_fields=["name", "role", "branch", "is_active"])
        audit.record(
            user,
            "sso.staff_synced",
            staff,
            before=old,
            after={**new, "groups": list(outcome.matched)},
            summary=f"{profile.source}: {profile.username}",
        )
    return "", user

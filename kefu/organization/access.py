"""Who is asking: the staff profile or customer behind a user."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.lib.errors import PermissionDenied
from kefu.organization.models import Branch, ServiceArea, Staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Whom a call acts for: ``request.user`` of a page (a login or anonymous), an API token's user; the
# functions below answer "no staff" for anything else.
Actor: TypeAlias = "User | AnonymousUser"


def staff_of(user: Actor | None) -> Staff | None:
    """The active staff profile of ``user``, or None (customers, anonymous, inactive staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    staff = getattr(user, "staff", None)
    if staff is None or not staff.is_active or not user.is_active:
        return None
    return staff


def login_of(user: Actor | None) -> User | None:
    """The stored login behind ``user``: None for nobody or an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return None
    return cast("User", user)  # authenticated: a login row, never AnonymousUser


def require_staff(user: Actor | None, capability: str | None = None) -> Staff:
    """The staff profile of ``user`` holding ``capability``; PermissionDenied otherwise."""
    staff = staff_of(user)
    if staff is None:
        raise PermissionDenied("not_staff", _("Only service staff can do this."))
    if capability is not None and not staff.can(capability):
        raise PermissionDenied(
            "forbidden", _("Your role (%(role)s) does not allow this.") % {"role": staff.get_role_display()}
        )
    return staff


def may_see_reports(staff: Staff | None) -> bool:
    """Whether ``staff`` sees the management reports (KPIs, quality): the roles with ``reports.view``
    (supervisors, inspectors, administrators), active. Which rows they see is ``reports.access``."""
    return staff is not None and staff.can("reports.view")


def branches_of(staff: Staff) -> QuerySet[Branch]:
    """The branches ``staff`` works in: all for company-level staff, else their own (by code)."""
    qs = Branch.objects.order_by("code")
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(pk=staff.branch_id)


def areas_of(staff: Staff) -> QuerySet[ServiceArea]:
    """The service areas of :func:`branches_of` (with their branch), by branch code and area code."""
    qs = ServiceArea.objects.select_related("branch").order_by("branch__code", "code")
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(branch_id=staff.branch_id)

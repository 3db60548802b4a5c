"""Who may see which report rows (R-31, R-32): supervisors their branch, inspectors and administrators
every branch, every staff member their own assessment sheet. Anything else is "not found"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.lib.errors import NotFound
from kefu.organization.access import may_see_reports
from kefu.organization.models import Outlet, ServiceArea, Staff
from kefu.reports.kpis import Dim

COMPANY_WIDE = frozenset({"inspector", "admin"})


def report_branches(staff: Staff) -> tuple[int, ...] | None:
    """The branches ``staff``'s reports cover: None (all) for inspectors, administrators and company-level
    supervisors, their own branch for branch supervisors. NotFound for roles without reports."""
    if not may_see_reports(staff):
        raise NotFound("not_found", _("Page not found."))
    if staff.role in COMPANY_WIDE or staff.branch_id is None:
        return None
    return (staff.branch_id,)


def check_entity(staff: Staff, dim: Dim, key: int) -> None:
    """NotFound unless ``staff`` may see the row ``key`` of dimension ``dim``: their own staff row always,
    else a row in their report branches."""
    if dim is Dim.STAFF and key == staff.pk:
        return
    branches = report_branches(staff)
    if branches is None:
        return
    if dim is Dim.BRANCH:
        ok = key in branches
    elif dim is Dim.AREA:
        ok = ServiceArea.objects.filter(pk=key, branch_id__in=branches).exists()
    elif dim is Dim.OUTLET:
        ok = Outlet.objects.filter(pk=key, branch_id__in=branches).exists()
    else:
        ok = Staff.objects.filter(pk=key, branch_id__in=branches).exists()
    if not ok:
        raise NotFound("not_found", _("Page not found."))

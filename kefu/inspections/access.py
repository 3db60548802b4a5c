"""Who sees which inspection (R-28). A row the user may not see is "not found".

- ``inspection.create`` holders (supervisors, inspectors, admins): every inspection of their branch;
  company-level staff and admins every inspection.
- Everybody else: the *published* inspections about themselves or with a corrective action they own
  (mystery shopping stays hidden until published).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.inspections.models import CorrectiveAction, Inspection, InspectionPlan
from kefu.lib.errors import NotFound
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff


def inspects(staff: Staff) -> bool:
    return staff.can("inspection.create")


def visible_inspections(staff: Staff) -> QuerySet[Inspection]:
    qs = Inspection.objects.all()
    if inspects(staff):
        return qs if staff.sees_all_branches else qs.filter(branch=staff.branch)
    owns = Exists(CorrectiveAction.objects.filter(inspection=OuterRef("pk"), owner=staff))
    return qs.filter(Q(staff=staff) | owns, published=True)


def access_inspection(user: Actor, inspection_id: int | str, *, for_update: bool = False) -> Inspection:
    staff = require_staff(user)
    qs = visible_inspections(staff)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("sheet", "staff", "outlet", "workorder", "call", "branch", "inspector").get(
            pk=int(inspection_id)
        )
    except (ValueError, TypeError, Inspection.DoesNotExist):
        raise NotFound("not_found", _("Inspection not found."), "inspection") from None


def visible_plans(staff: Staff) -> QuerySet[InspectionPlan]:
    """Plans of the staff member's branch and the company-level plans; all for company-level staff."""
    qs = InspectionPlan.objects.all()
    if staff.sees_all_branches:
        return qs
    return qs.filter(Q(branch=staff.branch) | Q(scope="company"))


def visible_staff(staff: Staff) -> QuerySet[Staff]:
    """Staff whose training a supervisor may see: their branch; all for company-level staff."""
    qs = Staff.objects.filter(is_active=True)
    return qs if staff.sees_all_branches else qs.filter(branch=staff.branch)

"""The database side of :func:`kefu.organization.rules.leader_of`: who receives an escalation."""

from __future__ import annotations

from kefu.organization import rules
from kefu.organization.models import Staff


class LeaderPicker:
    """``rules.leader_of`` for one or many staff members with one query: the active supervisors and
    administrators are read when the picker is made (make one per use case or batch, not per process)."""

    def __init__(self) -> None:
        rows = list(Staff.objects.filter(is_active=True, role__in=sorted(rules.LEADER_ROLES)))
        self._by_id = {s.pk: s for s in rows}
        self._bosses = [rules.Boss(s.pk, s.role, s.branch_id, s.grade) for s in rows]

    def __call__(self, staff: Staff, branch_id: int | None, *, to_president: bool = False) -> Staff | None:
        lead = staff.leader if staff.leader_id else None
        active_lead = lead if lead is not None and lead.is_active else None
        chosen = rules.leader_of(
            staff.pk,
            active_lead.pk if active_lead is not None else None,
            branch_id,
            self._bosses,
            to_president=to_president,
        )
        if chosen is None:
            return None
        if active_lead is not None and chosen == active_lead.pk:
            return active_lead
        return self._by_id[chosen]

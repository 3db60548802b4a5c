"""Visits kept (R-38): per branch and per technician, the appointments whose window ended in the period —
kept (the visit was done), missed by cause (technician late, technician absent, customer absent, other) —
and the kept rate = kept ÷ (kept + missed) in %, one decimal, half up (docs/kpis.md, "Visits kept").

Cancelled appointments and those still open (booked or confirmed after their window: not yet checked)
are not counted. A period is the window end's local month or year (``queries.Scope``). One aggregate query
per dimension. Read-only; the console page is ``views_visits``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from kefu.fieldservice.models import Appointment, AppointmentStatus, MissedReason
from kefu.reports.queries import Scope

CAUSES = tuple(MissedReason.values)


@dataclass(frozen=True)
class VisitRow:
    key: int | None
    name: str
    kept: int
    missed: dict[str, int]

    @property
    def missed_total(self) -> int:
        return sum(self.missed.values())

    @property
    def counted(self) -> int:
        return self.kept + self.missed_total

    @property
    def kept_rate(self) -> Decimal | None:
        """Kept ÷ (kept + missed) × 100, one decimal; None when nothing is counted."""
        if not self.counted:
            return None
        return (Decimal(100 * self.kept) / Decimal(self.counted)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def counted(scope: Scope) -> QuerySet[Appointment]:
    start, end = scope.bounds()
    qs = Appointment.objects.filter(
        window_end__gte=start,
        window_end__lt=end,
        status__in=(AppointmentStatus.DONE, AppointmentStatus.MISSED),
    )
    if scope.branch_ids is not None:
        qs = qs.filter(order__branch_id__in=scope.branch_ids)
    return qs


def rows(scope: Scope, dim: str) -> list[VisitRow]:
    """``dim``: ``branch`` (the order's branch) or ``technician`` (the booked technician)."""
    key, name = (
        ("order__branch_id", "order__branch__name")
        if dim == "branch"
        else ("technician_id", "technician__name")
    )
    agg = {"kept": Count("pk", filter=Q(status=AppointmentStatus.DONE))}
    for cause in CAUSES:
        agg[f"m_{cause}"] = Count("pk", filter=Q(status=AppointmentStatus.MISSED, missed_reason=cause))
    agg["m_unknown"] = Count("pk", filter=Q(status=AppointmentStatus.MISSED, missed_reason=""))
    out = []
    for r in counted(scope).values(key, name).annotate(**agg).order_by(name, key):
        missed = {c: r[f"m_{c}"] for c in CAUSES}
        missed[MissedReason.OTHER] += r["m_unknown"]
        out.append(VisitRow(r[key], r[name] or "—", r["kept"], missed))
    return out


def total(rows_: list[VisitRow]) -> VisitRow:
    missed = {c: sum(r.missed[c] for r in rows_) for c in CAUSES}
    return VisitRow(None, "", sum(r.kept for r in rows_), missed)

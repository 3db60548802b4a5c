"""Demo complaints: every closed complaint carries its cause (R-26), a fixed Pareto-like spread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kefu.complaints.actions import do_classify_complaint
from kefu.complaints.models import ComplaintCause

if TYPE_CHECKING:
    from kefu.demo.workorders import Play

DEMO_COMPLAINT_CAUSES = (
    ["attitude"] * 4 + ["billing-error"] * 3 + ["quality"] * 2 + ["improper-service", "price"]
)


def classify(play: Play, who: str) -> None:
    """Classify the complaint being played before it is closed (a complaint closes only with its cause)."""
    # a fixed, Pareto-like spread by order id: no draw from rng, so the rest of the script stays the same
    code = DEMO_COMPLAINT_CAUSES[(play.p.pk or 0) % len(DEMO_COMPLAINT_CAUSES)]
    cause = ComplaintCause.objects.filter(code=code).first() or ComplaintCause.objects.first()
    if cause is not None:
        do_classify_complaint(play.u(who), play.p.pk, cause.pk)  # type: ignore[arg-type]

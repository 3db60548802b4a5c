"""``kefu manage recount_periods``: count every month and year that is due for closing now, with the KPI
definitions of this version, and recount those already closed (docs/kpis.md, "Closed months")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kefu.reports import closing
from kefu.reports.kpis import Period
from kefu.reports.models import ClosedPeriod


class Command(BaseCommand):
    help = "Recount the KPI figures of every closed period (and close the periods that are due)."

    def handle(self, *args: Any, **options: Any) -> None:
        again = [
            Period(y, m or None)
            for y, m in ClosedPeriod.objects.filter(provisional=False).values_list("year", "month")
        ]
        for p in again:
            closing.close_period(p)
        new = closing.close_due()
        self.stdout.write(f"recounted {len(again)} closed periods, closed {len(new)} more")

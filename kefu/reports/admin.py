"""Back office of reports: KPI targets (changes are logged) and closed periods (frozen KPI figures)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.reports import closing
from kefu.reports.kpis import Period
from kefu.reports.models import ClosedPeriod, KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ["kpi", "scope", "branch", "area", "staff", "year", "month", "target", "direction"]
    list_filter = ["kpi", "scope", "year"]


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(AuditedAdmin):
    """Closed months and years: recompute their figures after a correction of old data, or delete the
    close to count the period live again (the job closes it again on its next run)."""

    list_display = ["__str__", "provisional", "tz", "closed_at", "closed_by", "figures", "duration_ms"]
    list_filter = ["year", "provisional"]
    actions = ["recompute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Recompute the KPI figures of the selected periods"))
    def recompute(self, request: HttpRequest, queryset: QuerySet[ClosedPeriod]) -> None:
        periods = [(Period(cp.year, cp.month or None), cp.provisional) for cp in queryset]
        for p, provisional in periods:  # a snapshot stays one: the period is not over
            closing.close_period(p, by=request.user, provisional=provisional)
        n = len(periods)
        self.message_user(
            request,
            ngettext("%(n)d period recomputed.", "%(n)d periods recomputed.", n) % {"n": n},
            messages.SUCCESS,
        )

"""Back office of reports: KPI targets (changes are logged)."""

from django.contrib import admin

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.reports.models import KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ["kpi", "scope", "branch", "area", "staff", "year", "month", "target", "direction"]
    list_filter = ["kpi", "scope", "year"]

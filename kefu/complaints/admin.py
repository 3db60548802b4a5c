"""Back office of complaints: the cause taxonomy and the compensation limits (changes are logged)."""

from django.contrib import admin

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.complaints.models import Compensation, CompensationLimit, ComplaintCause


@admin.register(ComplaintCause)
class ComplaintCauseAdmin(AuditedAdmin):
    list_display = ["code", "category", "name", "name_en", "position", "is_active"]
    list_filter = ["category", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(CompensationLimit)
class CompensationLimitAdmin(AuditedAdmin):
    list_display = ["branch", "role", "amount"]
    list_filter = ["branch", "role"]


@admin.register(Compensation)
class CompensationAdmin(admin.ModelAdmin):
    """Read-only list: compensation is recorded and decided on the console (audited there)."""

    list_display = ["workorder", "amount", "currency", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["workorder__number", "reason"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

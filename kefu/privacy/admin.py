from django.contrib import admin

from kefu.privacy.models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only: access records are written by reads and removed only by the retention prune."""

    list_display = ["at", "actor", "kind", "customer_id", "field", "reason", "rows", "where"]
    list_filter = ["kind", "reason"]
    search_fields = ["actor", "customer_id", "where"]
    date_hierarchy = "at"
    show_full_result_count = False  # the table is large: no count(*) of it on every page

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

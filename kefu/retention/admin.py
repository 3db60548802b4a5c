from django.contrib import admin

from kefu.retention.models import RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """The run log, read only (the periods are edited on the console page, which audits every change)."""

    list_display = ["started_at", "kind", "cutoff", "deleted", "anonymised", "files", "finished_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

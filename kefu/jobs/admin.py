from django.contrib import admin

from kefu.jobs.models import JobState


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "next_run_at",
        "last_started_at",
        "last_finished_at",
        "runs",
        "claimed_by",
        "has_error",
    ]
    readonly_fields = [
        "name",
        "claimed_by",
        "claimed_until",
        "last_started_at",
        "last_finished_at",
        "last_error",
        "runs",
    ]

    @admin.display(boolean=True, description="error")
    def has_error(self, obj: JobState) -> bool:
        return bool(obj.last_error)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

"""Back office of follow-up: settings, satisfaction levels, plans; tasks and misses read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.followup.models import (
    FollowupAttempt,
    FollowupMiss,
    FollowupPlan,
    FollowupSettings,
    FollowupTask,
    SatisfactionLevel,
)


@admin.register(FollowupSettings)
class FollowupSettingsAdmin(AuditedAdmin):
    list_display = ["__str__", "due_amount", "due_unit", "max_attempts", "assignment", "allow_worker"]


@admin.register(SatisfactionLevel)
class SatisfactionLevelAdmin(AuditedAdmin):
    list_display = ["label", "code", "position", "satisfied", "active"]
    list_editable = ["position", "active"]


@admin.register(FollowupPlan)
class FollowupPlanAdmin(AuditedAdmin):
    list_display = ["customer", "period", "next_visit", "assignee", "active"]
    list_filter = ["period", "active"]
    autocomplete_fields = ["customer"]
    raw_id_fields = ["assignee"]
    search_fields = ["customer__name", "customer__number"]


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FollowupAttempt
    extra = 0
    readonly_fields = ["at", "by", "outcome", "note"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FollowupTask)
class FollowupTaskAdmin(ReadOnly):
    list_display = [
        "id",
        "kind",
        "workorder",
        "customer",
        "branch",
        "assignee",
        "status",
        "due_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "branch"]
    search_fields = ["workorder__number", "customer__name"]
    inlines = [AttemptInline]


@admin.register(FollowupMiss)
class FollowupMissAdmin(ReadOnly):
    list_display = ["task", "branch", "responsible", "due_at", "found_at"]
    list_filter = ["branch"]

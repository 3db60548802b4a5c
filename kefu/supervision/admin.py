"""Back office of supervision: records, notices and area assignments are read-only here (they are written by
``kefu.supervision.actions`` with their audit records)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.supervision.models import AccountabilityRecord, AreaAssignment, SupervisionNotice


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ReadOnly):
    list_display = ["id", "kind", "staff", "branch", "workorder", "occurred_at", "status", "outcome"]
    list_filter = ["kind", "status", "outcome", "branch"]
    search_fields = ["staff__name", "staff__badge_no", "workorder__number"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnly):
    list_display = ["id", "workorder", "issued_by", "due_at", "status", "overdue_reported_at"]
    list_filter = ["status", "branch"]
    search_fields = ["workorder__number"]


@admin.register(AreaAssignment)
class AreaAssignmentAdmin(ReadOnly):
    list_display = ["area", "staff", "from_date", "to_date", "published"]
    list_filter = ["published", "area__branch"]

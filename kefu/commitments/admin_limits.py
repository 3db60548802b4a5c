"""Admin of time limits (editable) and of order clocks, extension requests and breaches (read-only: written
by ``commitments.clocks`` and ``commitments.sweep`` only). Loaded from ``CommitmentsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.commitments.models import (
    Breach,
    EmergencyKeyword,
    ExtensionRequest,
    OrderClock,
    OrderEmergency,
    TimeLimit,
)


@admin.register(TimeLimit)
class TimeLimitAdmin(AuditedAdmin):
    """General limits (per order type, channel, tier…) are edited here; a service's own limits only in the
    console's catalogue editor, which checks them against the service and versions them."""

    list_display = [
        "kind",
        "order_type",
        "channel",
        "emergency",
        "service",
        "area_kind",
        "tier",
        "priority",
        "amount",
        "unit",
        "around_the_clock",
        "is_active",
    ]
    list_filter = [
        "kind",
        "order_type",
        "channel",
        "emergency",
        "unit",
        "tier",
        "area_kind",
        "around_the_clock",
        "is_active",
    ]
    list_select_related = ["service"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.service_id is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.service_id is not None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(EmergencyKeyword)
class EmergencyKeywordAdmin(AuditedAdmin):
    list_display = ["keyword", "language", "is_active"]
    list_filter = ["language", "is_active"]
    search_fields = ["keyword"]


@admin.register(OrderEmergency)
class OrderEmergencyAdmin(admin.ModelAdmin):
    list_display = ["workorder", "reason", "keyword", "detected_at"]
    list_filter = ["reason"]
    search_fields = ["workorder__number", "keyword"]
    list_select_related = ["workorder"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OrderClock)
class OrderClockAdmin(ReadOnlyAdmin):
    list_display = [
        "workorder",
        "kind",
        "round",
        "status",
        "started_at",
        "due_at",
        "warned_at",
        "breached_at",
        "calendar_missing_year",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["workorder"]
    search_fields = ["workorder__number"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["clock", "amount", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["clock__workorder", "requested_by", "decided_by"]


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    """Passed deadlines found by the breach sweep (R-16), for accountability (R-27). Read-only."""

    list_display = [
        "workorder",
        "kind",
        "round",
        "due_at",
        "detected_at",
        "responsible",
        "leader",
        "escalated",
    ]
    list_filter = ["kind", "escalated"]
    list_select_related = ["workorder", "responsible", "leader"]
    search_fields = ["workorder__number", "responsible__name"]
    date_hierarchy = "detected_at"

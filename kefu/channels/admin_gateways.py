"""Back-office pages of the phone, SMS, chat and social gateways: read-only records for tracing what came
in (the console is where staff work on calls and call-backs)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.channels.models.gateways import Call, CallbackTask, GatewayMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = [
        "call_id",
        "caller",
        "line",
        "state",
        "staff",
        "customer",
        "started_at",
        "answered_at",
        "ended_at",
    ]
    list_filter = ["state", "line"]
    search_fields = ["call_id", "caller", "caller_normalized", "customer__name"]
    date_hierarchy = "started_at"
    list_select_related = ["staff", "customer"]


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin):
    list_display = ["phone", "customer", "branch", "due", "done_by", "done_at"]
    list_filter = ["branch", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["phone", "customer__name"]
    list_select_related = ["customer", "branch", "done_by"]


@admin.register(GatewayMessage)
class GatewayMessageAdmin(ReadOnlyAdmin):
    list_display = ["kind", "external_id", "customer", "workorder", "received_at"]
    list_filter = ["kind"]
    search_fields = ["external_id", "customer__name", "workorder__number"]
    date_hierarchy = "received_at"
    list_select_related = ["customer", "workorder"]

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.standards.models import ForbiddenPhrase, GreetingRule, StandardPhrase, StandardsViolation


@admin.register(StandardPhrase)
class StandardPhraseAdmin(AuditedAdmin):
    list_display = ["text_zh", "situation", "position", "active"]
    list_filter = ["situation", "active"]
    list_editable = ["position", "active"]
    search_fields = ["text_zh"]


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(AuditedAdmin):
    list_display = ["text", "mode", "suggestion", "active", "updated_at"]
    list_filter = ["mode", "active"]
    search_fields = ["text"]
    autocomplete_fields = ["suggestion"]


@admin.register(GreetingRule)
class GreetingRuleAdmin(AuditedAdmin):
    list_display = ["__str__", "channel", "when", "where", "active"]
    list_filter = ["channel", "when", "where", "active"]


@admin.register(StandardsViolation)
class StandardsViolationAdmin(admin.ModelAdmin):
    """Read-only: violations are written by the reply check only."""

    list_display = ["at", "staff", "workorder", "source", "channel", "reason"]
    list_filter = ["source", "channel", "branch"]
    date_hierarchy = "at"
    search_fields = ["workorder__number", "staff__name", "excerpt", "reason"]
    list_select_related = ["staff", "workorder"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

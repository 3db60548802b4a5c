from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.sso.models import ExternalAccount, GroupMapping


@admin.register(GroupMapping)
class GroupMappingAdmin(AuditedAdmin):
    list_display = ["source", "group", "role", "branch", "company_level", "position"]
    list_filter = ["source", "role", "branch"]
    search_fields = ["group"]
    ordering = ["source", "position", "id"]


@admin.register(ExternalAccount)
class ExternalAccountAdmin(AuditedAdmin):
    """Linking a local login to the directory: from then on its password is the directory's."""

    list_display = ["subject", "source", "user", "last_sync_at", "suspended"]
    list_filter = ["source", "suspended"]
    search_fields = ["subject", "user__username"]
    readonly_fields = ["groups", "last_sync_at", "suspended"]
    raw_id_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:  # the local password stops working: the directory decides who signs in
            obj.user.set_unusable_password()
            obj.user.save(update_fields=["password"])
        super().save_model(request, obj, form, change)

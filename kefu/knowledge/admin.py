"""Back office: FAQ categories and the roster. Articles are written on the console (/knowledge/), which
keeps their search index and sanitised HTML; the admin only lists them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.knowledge.models import Article, Category, Shift


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["name", "name_en", "position"]
    list_editable = ["position"]
    search_fields = ["name", "name_en"]


@admin.register(Shift)
class ShiftAdmin(AuditedAdmin):
    list_display = ["date", "start", "end", "staff", "note"]
    list_filter = ["date", "staff__branch"]
    date_hierarchy = "date"
    autocomplete_fields = ["staff"]
    search_fields = ["staff__name", "staff__badge_no"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "audience", "language", "category", "published", "updated_at"]
    list_filter = ["audience", "language", "published", "category"]
    search_fields = ["title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

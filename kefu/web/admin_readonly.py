"""A back-office page for data edited in the console: read-only, with a link to the console's editor."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html


class EditedInConsoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Nothing can be added, changed or deleted here; every GET says where the data is edited.

    Set ``console_url`` (a URL name) and ``console_message`` / ``console_link`` (translatable texts)."""

    console_url = ""
    console_message: Any = ""
    console_link: Any = ""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _point_to_console(self, request: HttpRequest) -> None:
        if request.method == "GET":
            messages.info(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    self.console_message,
                    reverse(self.console_url),
                    self.console_link,
                ),
            )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._point_to_console(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._point_to_console(request)
        return super().change_view(request, object_id, form_url, extra_context)

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.channels import admin_endpoints, admin_gateways, outbox  # noqa: F401 (admin_* register their pages)
from kefu.channels.mail import admin as admin_mail  # noqa: F401 (admin_* register their pages)
from kefu.channels.models import OptOut, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: messages are written by actions and sent by the worker; dead ones can be retried."""

    list_display = [
        "created_at",
        "channel",
        "recipient",
        "subject",
        "message_class",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "workorder",
    ]
    list_filter = ["status", "message_class", "channel", "created_at"]
    search_fields = ["recipient", "subject", "idempotency_key", "workorder__number"]
    list_select_related = ["workorder"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Retry now (failed or given-up messages)"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: models.QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_now(request.user, list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(count)d message(s) queued for sending now.") % {"count": count})


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    """Who refused reminders or marketing, and when (docs/privacy.md), read-only: opt-outs are recorded by the
    customer's SMS reply or unsubscribe link, with a service-log record."""

    list_display = ["created_at", "channel", "address", "message_class", "source", "evidence", "withdrawn_at"]
    list_filter = ["channel", "message_class", "source", "created_at"]
    search_fields = ["address"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OptOut._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OptOut | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OptOut | None = None) -> bool:
        return False

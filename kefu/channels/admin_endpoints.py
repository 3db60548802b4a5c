"""Admin pages of the per-branch channel endpoints (with their health) and of the SMS templates (read-only:
edited in the console, ``kefu.channels.outbox.sms_template_edit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.channels.models.endpoints import ChannelEndpoint, SmsTemplate
from kefu.lib import clock
from kefu.web.admin_readonly import EditedInConsoleAdmin


@admin.register(ChannelEndpoint)
class ChannelEndpointAdmin(AuditedAdmin):
    list_display = [
        "kind",
        "identifier",
        "name",
        "branch",
        "active",
        "last_inbound_at",
        "messages_24h",
        "last_error_short",
    ]
    list_filter = ["kind", "active", "branch"]
    search_fields = ["identifier", "name"]
    readonly_fields = ["last_inbound_at", "last_outbound_at", "last_error", "last_error_at"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ChannelEndpoint]:
        since = clock.now() - dt.timedelta(hours=24)
        return (
            super()
            .get_queryset(request)
            .select_related("branch")
            .annotate(recent=Count("messages", filter=Q(messages__received_at__gte=since)))
        )

    @admin.display(description=gettext_lazy("messages in 24 h"), ordering="recent")
    def messages_24h(self, obj: Any) -> int:
        return int(getattr(obj, "recent", 0))

    @admin.display(description=gettext_lazy("last error"))
    def last_error_short(self, obj: ChannelEndpoint) -> str:
        return obj.last_error[:80]


@admin.register(SmsTemplate)
class SmsTemplateAdmin(EditedInConsoleAdmin):
    """SMS templates are edited in the console (Configuration → SMS templates): every language on one page,
    placeholders checked, a preview, the audit record. Read-only here."""

    console_url = "console:config_sms"
    console_message = gettext_lazy("SMS templates are edited in the console.")
    console_link = gettext_lazy("Open the SMS template editor")
    list_display = ["code", "language", "provider_template_id", "active", "updated_at"]
    list_filter = ["code", "language", "active"]
    search_fields = ["text", "provider_template_id"]

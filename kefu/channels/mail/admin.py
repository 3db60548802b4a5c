"""Admin pages of inbound e-mail: mailboxes with their health, taken-in messages, dead letters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.audit.admin_mixins import AuditedAdmin
from kefu.channels.mail import inbound as inbound_mail
from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox

SECRET_FIELDS = {"imap_password"}


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    list_display = ["address", "branch", "active", "last_fetch_at", "last_error_short", "open_dead_letters"]
    list_filter = ["active", "branch"]
    search_fields = ["address", "imap_host", "imap_user"]
    readonly_fields = ["last_fetch_at", "last_error", "last_error_at"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Mailbox]:
        return (
            super()
            .get_queryset(request)
            .select_related("branch")
            .annotate(open_dead=Count("dead_letters", filter=Q(dead_letters__resolved=False)))
        )

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in SECRET_FIELDS and field is not None:
            field.widget = forms.PasswordInput(render_value=True)
        return field

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        # the password never reaches the service log
        before = None
        if change and obj.pk:
            old = Mailbox.objects.filter(pk=obj.pk).first()
            before = _masked(old) if old is not None else None
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        after = _masked(obj)
        if before is not None:
            before, after = audit.diff(before, after)
        audit.record(
            request.user,
            f"admin.{'change' if change else 'add'}",
            obj,
            before=before,
            after=after,
            summary=str(obj)[:200],
        )

    @admin.display(description=gettext_lazy("last error"))
    def last_error_short(self, obj: Mailbox) -> str:
        return obj.last_error[:80]

    @admin.display(description=gettext_lazy("open dead letters"), ordering="open_dead")
    def open_dead_letters(self, obj: Any) -> int:
        return int(getattr(obj, "open_dead", 0))


def _masked(obj: models.Model) -> dict[str, Any]:
    snap = audit.snapshot(obj)
    for name in SECRET_FIELDS:
        if snap.get(name):
            snap[name] = "********"
    return snap


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Read-only: what became of each e-mail taken in."""

    list_display = [
        "received_at",
        "mailbox",
        "from_address",
        "subject",
        "outcome",
        "sender_check",
        "workorder",
    ]
    list_filter = ["outcome", "sender_check", "mailbox", "received_at"]
    search_fields = ["from_address", "subject", "message_id", "workorder__number"]
    list_select_related = ["mailbox", "workorder"]
    date_hierarchy = "received_at"
    exclude = ["raw"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[InboundMessage]:
        return super().get_queryset(request).defer("raw")  # up to KEFU_MAIL_MAX_BYTES per row, never shown

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(AuditedAdmin):
    """Messages that could not be taken in, with the reason; retry after fixing the cause, or mark resolved."""

    list_display = ["created_at", "mailbox", "reason_short", "resolved"]
    list_filter = ["resolved", "mailbox"]
    search_fields = ["reason", "sha256"]
    list_select_related = ["mailbox"]
    exclude = ["raw"]
    readonly_fields = ["mailbox", "sha256", "reason", "created_at", "raw_preview"]
    actions = ["retry", "mark_resolved"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[DeadLetter]:
        return super().get_queryset(request).defer("raw")  # loaded only for the preview and a retry

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("reason"))
    def reason_short(self, obj: DeadLetter) -> str:
        return obj.reason[:120]

    @admin.display(description=gettext_lazy("raw message (start)"))
    def raw_preview(self, obj: DeadLetter) -> str:
        return bytes(obj.raw[:4000]).decode("utf-8", "replace")

    @admin.action(description=gettext_lazy("Take in again (after fixing the cause)"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: models.QuerySet[DeadLetter]) -> None:

        done = 0
        for letter in queryset.filter(resolved=False).select_related("mailbox"):
            with transaction.atomic():  # the letter goes only if the message is taken in or dead again
                raw = bytes(letter.raw)
                letter.delete()
                result = inbound_mail.ingest(letter.mailbox, raw)
                audit.record(
                    request.user,
                    "mail.dead_letter_retry",
                    result.inbound or result.dead_letter,
                    after={"status": result.status, "reason": result.reason},
                )
            if result.status != inbound_mail.Status.DEAD_LETTER:
                done += 1
        messages.info(request, _("%(count)d message(s) taken in.") % {"count": done})

    @admin.action(description=gettext_lazy("Mark resolved"), permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: models.QuerySet[DeadLetter]) -> None:
        with transaction.atomic():
            pks = list(queryset.filter(resolved=False).values_list("pk", flat=True))
            DeadLetter.objects.filter(pk__in=pks).update(resolved=True)
            for pk in pks:
                audit.record(
                    request.user,
                    "mail.dead_letter_resolved",
                    object_type=DeadLetter._meta.label_lower,
                    object_id=pk,
                )
        messages.success(request, _("%(count)d dead letter(s) marked resolved.") % {"count": len(pks)})

"""Back office: survey instruments and their questions, when they are sent, and (read-only) invitations
and responses. Changes are written to the service log (AuditedAdmin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.surveys.models import (
    Answer,
    Invitation,
    Question,
    RecoveryTask,
    Response,
    SatisfactionRecord,
    Survey,
    SurveyRule,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "text", "text_en", "dimension", "item_no", "reverse_scored", "required"]


@admin.register(Survey)
class SurveyAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "ask_importance", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "name_en"]
    inlines = [QuestionInline]


@admin.register(SurveyRule)
class SurveyRuleAdmin(AuditedAdmin):
    list_display = [
        "trigger",
        "survey",
        "order_type",
        "service",
        "branch",
        "expiry_days",
        "priority",
        "active",
    ]
    list_filter = ["trigger", "active", "order_type", "branch"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "survey",
        "workorder",
        "customer",
        "trigger",
        "round",
        "channel",
        "expires_at",
        "answered_at",
    ]
    list_filter = ["trigger", "channel", "survey"]
    list_select_related = ["survey", "workorder", "customer"]
    exclude = ["token"]  # the token is the customer's key: not shown to staff
    search_fields = ["workorder__number", "customer__number"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("question", "value", "choice", "expectation", "perception", "text")
    readonly_fields = ("question", "value", "choice", "expectation", "perception", "text")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = [
        "submitted_at",
        "survey",
        "csat",
        "nps",
        "sat4",
        "servqual_unweighted",
        "servqual_weighted",
    ]
    list_filter = ["survey"]
    list_select_related = ["survey"]
    inlines = [AnswerInline]


@admin.register(SatisfactionRecord)
class SatisfactionRecordAdmin(ReadOnlyAdmin):
    """Every satisfaction answer with its source (docs/quality.md, "One record per answer")."""

    list_display = [
        "recorded_at",
        "source",
        "workorder",
        "branch",
        "area",
        "outlet",
        "staff",
        "csat",
        "sat4",
        "nps",
        "low",
    ]
    list_filter = ["source", "low", "branch"]
    date_hierarchy = "recorded_at"
    raw_id_fields = ["workorder", "customer", "response"]


@admin.register(RecoveryTask)
class RecoveryTaskAdmin(ReadOnlyAdmin):
    """Low answers to make good: the leader records what was done (``do_finish_recovery``)."""

    list_display = ["due_at", "status", "assignee", "workorder", "record", "done_at"]
    list_filter = ["status"]
    raw_id_fields = ["workorder", "record"]

"""Back office of inspections and training: handbook, courses and exams are configured here (score sheets are
edited in the console, ``inspections.sheet_edit``; read-only here);
inspections, corrective actions, attempts and records are written by the console (read-only here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.inspections.models import (
    Choice,
    CorrectiveAction,
    Course,
    Exam,
    ExamAttempt,
    HandbookPage,
    Inspection,
    InspectionPlan,
    InspectionScore,
    Question,
    ScoreItem,
    ScoreSheet,
    TrainingRecord,
)
from kefu.organization.models import RoleChoices
from kefu.web.admin_readonly import EditedInConsoleAdmin


class ScoreItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ScoreItem
    extra = 0
    fields = ["position", "code", "category", "text", "description", "max_points", "translations"]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(EditedInConsoleAdmin):
    """Score sheets are edited in the console (Configuration → Score sheets): points checked against the
    total, every language, a new version when a sheet in use changes. Read-only here."""

    console_url = "console:config_sheets"
    console_message = gettext_lazy("Score sheets are edited in the console.")
    console_link = gettext_lazy("Open the score sheet editor")
    list_display = ["name", "version", "total_points", "active"]
    inlines = [ScoreItemInline]


@admin.register(HandbookPage)
class HandbookPageAdmin(AuditedAdmin):
    list_display = ["title", "position", "published"]
    list_editable = ["position", "published"]


class CourseForm(forms.ModelForm):  # type: ignore[type-arg]
    audience = forms.MultipleChoiceField(
        choices=RoleChoices.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Course
        fields = ["title", "description", "audience", "required_for_new", "active"]


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    form = CourseForm
    list_display = ["title", "required_for_new", "active"]


class QuestionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Question
    extra = 1
    show_change_link = True


@admin.register(Exam)
class ExamAdmin(AuditedAdmin):
    list_display = ["title", "course", "pass_mark", "active"]
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Choice
    extra = 3


@admin.register(Question)
class QuestionAdmin(AuditedAdmin):
    list_display = ["text", "exam", "position"]
    inlines = [ChoiceInline]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(AuditedAdmin):
    list_display = ["name", "scope", "branch", "kind", "starts_on", "ends_on", "per_month"]


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScoreInline(admin.TabularInline):  # type: ignore[type-arg]
    model = InspectionScore
    extra = 0
    can_delete = False
    readonly_fields = ["item", "points", "comment"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = [
        "__str__",
        "inspected_on",
        "subject_kind",
        "branch",
        "inspector",
        "percentage",
        "published",
    ]
    list_filter = ["kind", "published", "branch"]
    inlines = [ScoreInline]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnly):
    list_display = ["__str__", "owner", "due_on", "status", "overdue_flagged_at"]
    list_filter = ["status"]


@admin.register(ExamAttempt)
class ExamAttemptAdmin(ReadOnly):
    list_display = ["exam", "staff", "submitted_at", "score", "passed"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnly):
    list_display = ["staff", "course", "completed_at", "exam_score", "passed"]
    list_filter = ["passed", "course"]

"""Inspections (监督检查, R-28) and training (服务培训, R-29).

Writers: ``inspections.actions`` (inspections, scores, corrective actions, plans) and
``inspections.training`` (exam attempts, training records). Score sheets, handbook pages, courses and
exams are configured in the back office. No logic in ``save()``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.lib import clock
from kefu.lib.content_i18n import Translatable

# --- inspections -------------------------------------------------------------------------------------------


class Category(models.TextChoices):
    LANGUAGE = "language", _("language")
    ATTITUDE = "attitude", _("attitude")
    APPEARANCE = "appearance", _("appearance")
    FACILITIES = "facilities", _("facilities")
    QUALITY = "quality", _("quality of work")


class InspectionKind(models.TextChoices):
    SELF = "self", _("self-check")
    SPOT = "spot", _("spot check")
    MUTUAL = "mutual", _("mutual check")
    MYSTERY = "mystery", _("mystery shopping")


class ScoreSheet(Translatable, models.Model):
    """检查评分表: the items an inspection scores, grouped by category.

    A sheet that inspections were scored on keeps its items as they were: the console editor
    (``inspections.sheet_edit``) saves a changed list of items as a new version (``previous`` points to the
    sheet it replaces, which becomes inactive), so every stored score keeps the item and maximum it was given
    against (docs/design/inspections.md, "Editing score sheets")."""

    translatable_fields = ("name", "description")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    total_points = models.PositiveSmallIntegerField(
        _("total points"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("满分: the items' maximum points add up to it."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        verbose_name=_("previous version"),
    )

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language, else the Simplified Chinese name."""
        return self.tr("name")


class ScoreItem(Translatable, models.Model):
    translatable_fields = ("text", "description")

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(
        _("code"),
        max_length=20,
        blank=True,
        help_text=_("A short key of the item (e.g. L1), unique on its sheet and kept by its later versions."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    text = models.CharField(_("item"), max_length=300)
    description = models.TextField(_("what is checked"), blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    max_points = models.PositiveSmallIntegerField(
        _("max points"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("score item")
        verbose_name_plural = _("score items")
        ordering = ["sheet", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "code"], condition=~models.Q(code=""), name="scoreitem_code_once"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def display_text(self) -> str:
        """The item in the active language, else the Simplified Chinese text."""
        return self.tr("text")

    @property
    def display_description(self) -> str:
        return self.tr("description")


class SubjectKind(models.TextChoices):
    STAFF = "staff", _("staff member")
    OUTLET = "outlet", _("outlet")
    ORDER = "order", _("work order")
    CALL = "call", _("recorded call")


class Inspection(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("score sheet")
    )
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    staff = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("staff member inspected"),
    )
    outlet = models.ForeignKey(
        "organization.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("outlet"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("work order"),
    )
    call = models.ForeignKey(
        "channels.Call",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("recorded call"),
    )
    # the subject's branch; empty for company-level subjects (only company-level staff see them)
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("branch"),
    )
    inspector = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_on = models.DateField(_("date"))
    comments = models.TextField(_("comments"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    points = models.PositiveIntegerField(_("points"), default=0)
    max_points = models.PositiveIntegerField(_("of"), default=0)
    percentage = models.DecimalField(_("score %"), max_digits=5, decimal_places=1, default=0)
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Mystery-shopping results stay hidden from the inspected staff until published."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["branch", "inspected_on"], name="inspection_branch_date"),
            models.Index(fields=["staff", "published"], name="inspection_staff_pub"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def subject(self) -> object:
        return {
            SubjectKind.STAFF: self.staff,
            SubjectKind.OUTLET: self.outlet,
            SubjectKind.ORDER: self.workorder,
            SubjectKind.CALL: self.call,
        }.get(SubjectKind(self.subject_kind))


class InspectionScore(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ScoreItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    points = models.PositiveSmallIntegerField(_("points"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["item__position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_score_once")]

    def __str__(self) -> str:
        return f"{self.item} {self.points}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")


class CorrectiveAction(models.Model):
    """整改: what must be corrected, by whom, by when. Overdue = open past its due date (computed)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("corrective action"))
    owner = models.ForeignKey(
        "organization.Staff",
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default="open")
    created_by = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("what was done"), max_length=500, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="corrective_status_due")]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < clock.localdate()

    @property
    def display_status(self) -> str:
        return "overdue" if self.overdue else self.status


class PlanScope(models.TextChoices):
    BRANCH = "branch", _("branch")
    COMPANY = "company", _("company")


class InspectionPlan(models.Model):
    """Branch-level or company-level supervision: how many inspections of a kind per month."""

    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("level"), max_length=10, choices=PlanScope.choices)
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("branch"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    per_month = models.PositiveSmallIntegerField(
        _("inspections per month"), validators=[MinValueValidator(1)]
    )
    created_by = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.name


# --- training ----------------------------------------------------------------------------------------------


class HandbookPage(Translatable, models.Model):
    """员工手册: one topic with what to do and what not to do (plain text; shown escaped). The Simplified
    Chinese texts are the fields, the other languages' in ``translations`` (docs/adr/0008-content-translations.md);
    staff read the page in their language."""

    translatable_fields = ("title", "body", "dos", "donts")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), blank=True, help_text=_("Plain text; blank lines separate paragraphs.")
    )
    dos = models.TextField(_("what to do"), blank=True, help_text=_("One per line."))
    donts = models.TextField(_("what not to do"), blank=True, help_text=_("One per line."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    published = models.BooleanField(_("published"), default=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("handbook page")
        verbose_name_plural = _("handbook pages")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (the Simplified Chinese one where it has none)."""
        return self.tr("title")

    @property
    def display_body(self) -> str:
        return self.tr("body")

    def do_list(self) -> list[str]:
        return [x.strip() for x in self.tr("dos").splitlines() if x.strip()]

    def dont_list(self) -> list[str]:
        return [x.strip() for x in self.tr("donts").splitlines() if x.strip()]


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.JSONField(
        _("audience (roles)"), default=list, blank=True, help_text=_("Empty: every role.")
    )
    required_for_new = models.BooleanField(
        _("required for new staff"),
        default=False,
        help_text=_("Staff of the audience count as untrained until they pass it."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Exam(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="exams", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark %"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["course", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["exam", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=300)
    correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class ExamAttempt(models.Model):
    """One try at an exam: the answers given and the score (one row per try)."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    staff = models.ForeignKey("organization.Staff", on_delete=models.CASCADE, related_name="exam_attempts")
    submitted_at = models.DateTimeField(_("submitted at"))
    answers = models.JSONField(_("answers"), default=dict)
    correct = models.PositiveSmallIntegerField(_("correct answers"))
    questions = models.PositiveSmallIntegerField(_("questions"))
    score = models.DecimalField(_("score %"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.exam} · {self.score}%"


class TrainingRecord(models.Model):
    """A staff member's record of a course: completed, the best exam score, passed (one row per course)."""

    staff = models.ForeignKey(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("staff"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="records", verbose_name=_("course")
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    exam_score = models.DecimalField(_("exam score %"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["staff", "course"]
        constraints = [models.UniqueConstraint(fields=["staff", "course"], name="training_record_once")]

    def __str__(self) -> str:
        return f"{self.staff} · {self.course}"

"""Surveys and quality scores (R-22, R-23): instruments, when they are sent, invitations, responses.

Instruments (``Survey`` + ``Question``) are edited in the admin; ``SurveyRule`` says which instrument is
sent on which occasion (after resolution, after follow-up) for which order type / service / branch.
An ``Invitation`` is one token-protected link for one order round; ``Response`` is unique per invitation
(the database refuses a second answer, also under concurrency). Scores of a response are stored on it
(``csat``, ``nps``, ``sat4``, gaps per SERVQUAL dimension) so that reports are single aggregate queries.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.workorders.models import OrderTypeChoices


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("CSAT (1–5)")
    NPS = "nps", _("NPS (0–10)")
    SERVQUAL = "servqual", _("SERVQUAL item (expectation and perception, 1–7)")
    SAT4 = "sat4", _("satisfaction, four levels")
    TEXT = "text", _("free text")


class DimensionChoices(models.TextChoices):
    TANGIBLES = "tangibles", _("tangibles")
    RELIABILITY = "reliability", _("reliability")
    RESPONSIVENESS = "responsiveness", _("responsiveness")
    ASSURANCE = "assurance", _("assurance")
    EMPATHY = "empathy", _("empathy")


class Sat4Choices(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("very satisfied")
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Trigger(models.TextChoices):
    RESOLUTION = "resolution", _("after resolution")
    FOLLOWUP = "followup", _("after follow-up")


def _pick(zh: str, en: str) -> str:
    """The English text when the active language is English and there is one, else the Chinese."""
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


class Survey(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    ask_importance = models.BooleanField(
        _("ask for importance points"),
        default=False,
        help_text=_("SERVQUAL: the customer shares 100 points among the five dimensions (weighted score)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.name, self.name_en)

    @property
    def introduction(self) -> str:
        return _pick(self.intro, self.intro_en)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("text (Chinese)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    dimension = models.CharField(
        _("SERVQUAL dimension"), max_length=20, choices=DimensionChoices.choices, blank=True
    )
    item_no = models.PositiveSmallIntegerField(_("SERVQUAL item"), null=True, blank=True)
    reverse_scored = models.BooleanField(
        _("reverse scored"), default=False, help_text=_("Negatively worded: a score counts as 8 − score.")
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="surveys_question_position"),
            models.UniqueConstraint(
                fields=["survey", "item_no"],
                name="surveys_question_item",
                condition=models.Q(item_no__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        return _pick(self.text, self.text_en)


class SurveyRule(models.Model):
    """Which instrument is sent when. The most specific active rule of the trigger wins: a service beats
    an order type beats "any"; a branch rule beats a company-wide one; then the lower priority number."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="rules")
    trigger = models.CharField(_("when"), max_length=12, choices=Trigger.choices)
    order_type = models.CharField(
        _("work-order type"),
        max_length=20,
        choices=OrderTypeChoices.choices,
        blank=True,
        help_text=_("Empty: any."),
    )
    service = models.ForeignKey(
        "commitments.Service", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("service")
    )
    branch = models.ForeignKey(
        "organization.Branch", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("branch")
    )
    expiry_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=14)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey rule")
        verbose_name_plural = _("survey rules")
        ordering = ["trigger", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.survey}"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("portal only")


class Invitation(models.Model):
    token = models.CharField(max_length=64, unique=True)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(_("when"), max_length=12, choices=Trigger.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # who served the customer (the assignee, else the first-contact owner) at the time of the invitation
    staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("sent through"), max_length=10, choices=InvitationChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    outbox = models.ForeignKey(
        "channels.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workorder", "trigger", "round"], name="surveys_invitation_round")
        ]
        indexes = [models.Index(fields=["customer", "answered_at", "expires_at"], name="surveys_inv_open")]

    def __str__(self) -> str:
        return f"{self.survey} · {self.workorder_id} #{self.round}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    csat = models.PositiveSmallIntegerField("CSAT", null=True, blank=True)
    nps = models.PositiveSmallIntegerField("NPS", null=True, blank=True)
    sat4 = models.CharField(_("satisfaction"), max_length=20, choices=Sat4Choices.choices, blank=True)
    gap_tangibles = models.FloatField(null=True, blank=True)
    gap_reliability = models.FloatField(null=True, blank=True)
    gap_responsiveness = models.FloatField(null=True, blank=True)
    gap_assurance = models.FloatField(null=True, blank=True)
    gap_empathy = models.FloatField(null=True, blank=True)
    servqual_unweighted = models.FloatField(null=True, blank=True)
    servqual_weighted = models.FloatField(null=True, blank=True)
    weights = models.JSONField(_("importance points"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survey} · {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True)  # CSAT, NPS
    choice = models.CharField(max_length=20, blank=True)  # four-level
    expectation = models.PositiveSmallIntegerField(null=True, blank=True)
    perception = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="surveys_answer_once")]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id}"


class SatisfactionSource(models.TextChoices):
    FOLLOWUP = "followup", _("follow-up call")
    SURVEY_PORTAL = "survey_portal", _("survey on the portal")
    SURVEY_SMS = "survey_sms", _("survey by SMS link")
    SURVEY_EMAIL = "survey_email", _("survey by e-mail link")
    COUNTER = "counter", _("counter evaluation")


class SatisfactionRecord(models.Model):
    """One satisfaction answer of a customer, whatever its source (docs/quality.md, "One record per
    answer"): a follow-up call's result, a survey answer (portal, SMS or e-mail link) or a counter
    evaluation. The answer is kept on the scales it was given on and completed by the stated mapping
    (``rules.normalise``): ``csat`` 1–5, ``sat4`` the four levels, ``nps`` 0–10 only when asked. Where it
    counts (branch, area, outlet, staff member) is fixed when it is recorded. CSAT, NPS, the satisfaction
    rate and the service levels of the quality page and of the KPI sheets read these rows."""

    key = models.CharField(
        max_length=60, unique=True, editable=False
    )  # survey:<response>, followup:<task>, …
    source = models.CharField(_("source"), max_length=20, choices=SatisfactionSource.choices)
    recorded_at = models.DateTimeField(_("answered at"), db_index=True)
    workorder = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey(
        "organization.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        "organization.ServiceArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outlet = models.ForeignKey(
        "organization.Outlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="satisfaction_record"
    )
    csat = models.PositiveSmallIntegerField("CSAT", null=True, blank=True)
    nps = models.PositiveSmallIntegerField("NPS", null=True, blank=True)
    sat4 = models.CharField(_("satisfaction"), max_length=20, choices=Sat4Choices.choices, blank=True)
    low = models.BooleanField(_("low answer"), default=False)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction record")
        verbose_name_plural = _("satisfaction records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["workorder", "recorded_at"], name="surveys_satrec_order")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.recorded_at:%Y-%m-%d}"


class RecoveryTask(models.Model):
    """A low answer to make good (service recovery): assigned to the leader of the order's first-contact
    owner (else of the staff member who served), due ``KEFU_RECOVERY_HOURS`` after the answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    record = models.OneToOneField(SatisfactionRecord, on_delete=models.CASCADE, related_name="recovery")
    workorder = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assignee = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"))
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("recovery task")
        verbose_name_plural = _("recovery tasks")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="surveys_recovery_open")]

    def __str__(self) -> str:
        return f"{self.record} → {self.assignee_id}"

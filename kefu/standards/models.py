"""Service standards (R-24): the phrase library, forbidden phrases, greeting rules and recorded violations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Channel
from kefu.lib.content_i18n import Translatable, translated
from kefu.standards import rules
from kefu.standards.checker import normalise


class Situation(models.TextChoices):
    GREETING = "greeting", _("greeting")
    WAITING = "waiting", _("asking to wait")
    MISSING_MATERIALS = "missing_materials", _("missing materials")
    PROGRESS = "progress", _("progress and deadline")
    CHECKING = "checking", _("looking into it")
    TRANSFER = "transfer", _("handing over")
    EXPLANATION = "explanation", _("explaining")
    APOLOGY = "apology", _("apology")
    THANKS = "thanks", _("thanks")
    CLOSING = "closing", _("closing")
    OTHER = "other", _("other")


def _check_variables(value: str, field: str) -> None:
    problems = rules.unknown_variables(value)
    if problems:
        raise ValidationError(
            {
                field: _("Unknown variable %(names)s; use %(known)s.")
                % {
                    "names": ", ".join("{" + n + "}" for n in problems),
                    "known": ", ".join("{" + n + "}" for n in rules.VARIABLES),
                }
            }
        )


class StandardPhrase(Translatable, models.Model):
    """A standard phrase (规范用语) for a situation, with variables: the Simplified Chinese text in ``text_zh``,
    the other languages in ``translations`` under the key ``text`` (docs/adr/0008-content-translations.md)."""

    translatable_fields = ("text",)

    situation = models.CharField(_("situation"), max_length=30, choices=Situation.choices)
    text_zh = models.TextField(
        _("Chinese text"),
        help_text=_("Variables: {customer_name}, {order_number}, {missing_materials}, {deadline}."),
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("standard phrase")
        verbose_name_plural = _("standard phrases")

    def __str__(self) -> str:
        return self.text_zh[:60]

    @property
    def text(self) -> str:
        """The source text under the name its translations use."""
        return self.text_zh

    def clean(self) -> None:
        _check_variables(self.text_zh, "text_zh")
        for lang, values in (self.translations or {}).items():
            _check_variables(str((values or {}).get("text", "")), f"text__{lang}")

    def text_for(self, language: str) -> str:
        """The text in ``language`` (``zh`` is the source), falling back to the Simplified Chinese text."""
        return translated(self, "text", "zh-hans" if language == "zh" else language)


class ForbiddenPhrase(models.Model):
    """A forbidden phrase (服务忌语): a reply containing it is stopped unless the agent gives a reason."""

    class Mode(models.TextChoices):
        ANYWHERE = "anywhere", _("anywhere in the text")
        CLAUSE_END = "clause_end", _("only where it ends a clause")

    text = models.CharField(
        _("phrase"),
        max_length=200,
        unique=True,
        help_text=_(
            "Matched in simplified and traditional Chinese, ignoring spaces, punctuation, full-width forms "
            "and case."
        ),
    )
    mode = models.CharField(_("match"), max_length=20, choices=Mode.choices, default=Mode.ANYWHERE)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[
            ("", _("every language")),
            ("zh-hans", _("Chinese")),
            ("en", _("English")),
            ("hu", _("Hungarian")),
        ],
        help_text=_(
            "Checked in replies to customers of this language; Chinese phrases also in every reply written in "
            "Chinese, English ones in every reply with Latin letters. Empty: in every reply."
        ),
    )
    unless_after = models.CharField(
        _("not after"),
        max_length=200,
        blank=True,
        help_text=_(
            "Words separated by spaces: right before the phrase they make it harmless "
            "(e.g. 您 for 不知道: “如果您不知道，…”)."
        ),
    )
    suggestion = models.ForeignKey(
        StandardPhrase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("say instead"),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["text"]
        verbose_name = _("forbidden phrase")
        verbose_name_plural = _("forbidden phrases")

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:

        if len(normalise(self.text or "")[0]) < 2:
            raise ValidationError(
                {"text": _("The phrase needs at least two letters or characters besides punctuation.")}
            )


class GreetingRule(Translatable, models.Model):
    """A required greeting or closing: a reply that lacks it gets a warning (not a stop). The accepted phrases
    in Simplified Chinese are ``phrases``; each other language has its own list in ``translations`` under
    ``phrases`` (docs/adr/0008-content-translations.md), used for replies to customers of that language."""

    translatable_fields = ("phrases",)

    class When(models.TextChoices):
        FIRST = "first", _("first reply on an order")
        EVERY = "every", _("every reply")

    class Where(models.TextChoices):
        START = "start", _("at the start")
        END = "end", _("at the end")

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, help_text=_("Empty: every channel.")
    )
    when = models.CharField(_("when"), max_length=10, choices=When.choices, default=When.FIRST)
    where = models.CharField(_("where"), max_length=10, choices=Where.choices, default=Where.START)
    phrases = models.TextField(
        _("accepted phrases"), help_text=_("One per line; any of them satisfies the rule (e.g. 您好, Hello).")
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["channel", "id"]
        verbose_name = _("required greeting or closing")
        verbose_name_plural = _("required greetings and closings")

    def __str__(self) -> str:
        return f"{self.get_channel_display() or '*'} · {self.get_when_display()} · {self.get_where_display()}"

    def phrase_list(self, language: str | None = None) -> list[str]:
        """The accepted phrases in ``language`` (the Simplified Chinese ones when None or when the language
        has no list of its own)."""
        text = self.phrases if language is None else translated(self, "phrases", language)
        return [p.strip() for p in text.splitlines() if p.strip()]


class StandardsViolation(models.Model):
    """A reply sent with a forbidden phrase after the agent gave a reason (R-24, R-27)."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="+", verbose_name=_("work order")
    )
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("branch"),
    )
    staff = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    source = models.CharField(_("source"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    phrases = models.JSONField(_("matched phrases"), default=list)
    excerpt = models.TextField(_("text excerpt"))
    reason = models.TextField(_("reason given"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["branch", "-at"], name="std_violation_branch_at")]
        verbose_name = _("standards violation")
        verbose_name_plural = _("standards violations")

    def __str__(self) -> str:
        return f"{self.staff} · {', '.join(p.get('phrase', '') for p in self.phrases)}"

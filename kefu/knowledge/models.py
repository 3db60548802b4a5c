"""Knowledge base / FAQ (R-34) and the staffing roster."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    CUSTOMERS = "customers", _("customers (public, shown in the portal)")
    INTERNAL = "internal", _("internal (staff only)")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class BodyFormat(models.TextChoices):
    TEXT = "text", _("plain text")
    HTML = "html", _("HTML (sanitised)")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class Article(models.Model):
    """One question and its answer. ``body`` is plain text, or HTML sanitised by nh3 when saved."""

    title = models.CharField(_("question / title"), max_length=200)
    body = models.TextField(_("answer"))
    body_format = models.CharField(
        _("format"), max_length=5, choices=BodyFormat.choices, default=BodyFormat.TEXT
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.CUSTOMERS
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("category"),
    )
    service = models.ForeignKey(
        "commitments.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("service"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    service_terms = models.CharField(
        _("service terms (free / charged from)"),
        max_length=300,
        blank=True,
        help_text=_(
            "What is free and from when a charge applies, e.g. “Free within the warranty; 50 yuan per visit after it”."
        ),
    )
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("FAQ article")
        verbose_name_plural = _("FAQ articles")
        ordering = ["category__position", "title", "id"]
        indexes = [models.Index(fields=["published", "audience", "language"], name="article_visible")]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    """A staff member rostered for a stretch of one day (local time of the branch); counted by the
    staffing page. A shift ending at or before its start runs past midnight."""

    staff = models.ForeignKey(
        "organization.Staff", on_delete=models.CASCADE, related_name="shifts", verbose_name=_("staff")
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("roster (shifts)")
        ordering = ["date", "start", "staff_id"]
        indexes = [models.Index(fields=["date"], name="shift_date")]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.start:%H:%M}–{self.end:%H:%M}"

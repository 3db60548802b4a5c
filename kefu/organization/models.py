"""Company structure: branches, outlets, departments, service areas and staff (R-30)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.lib.content_i18n import Translatable
from kefu.organization.rules import Role, can


class Company(Translatable, models.Model):
    """The operating company (one row). Its contact data is published (R-8); its name has a value per language
    (``translations``, docs/adr/0008-content-translations.md)."""

    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=200)
    hotline = models.CharField(_("hotline"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("company")

    def __str__(self) -> str:
        return self.name


class Branch(Translatable, models.Model):
    """分公司: a branch with its own staff, calendar and time zone; name and address per language."""

    translatable_fields = ("name", "address")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # what customers of the branch are written to in, unless their own record says otherwise
    language = models.CharField(
        _("customers' language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The default language of messages to this branch's customers."),
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    calendar = models.ForeignKey(
        "commitments.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("business calendar"),
        help_text=_("Working days and hours this branch's time limits are counted on."),
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Outlet(Translatable, models.Model):
    """营业网点: a counter where customers walk in."""

    translatable_fields = ("name", "address", "opening_hours")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="outlets", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["branch", "name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department orders can be transferred to (e.g. 维修班, 工程部, 营业厅)."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="departments", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)
    leader = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
        verbose_name=_("leader"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["branch", "name"]
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return f"{self.branch.name} · {self.name}"


class RoleChoices(models.TextChoices):
    AGENT = Role.AGENT.value, _("agent")
    TECHNICIAN = Role.TECHNICIAN.value, _("field technician")
    FOLLOWUP = Role.FOLLOWUP.value, _("follow-up staff")
    SUPERVISOR = Role.SUPERVISOR.value, _("supervisor")
    INSPECTOR = Role.INSPECTOR.value, _("inspector")
    ADMIN = Role.ADMIN.value, _("administrator")
    HOTLINE = Role.HOTLINE.value, _("hotline agent")


class AreaKind(models.TextChoices):
    URBAN = "urban", _("urban (city)")
    RURAL = "rural", _("rural (county)")


class ServiceArea(Translatable, models.Model):
    """片区: part of the territory, with its households, contracted to responsible staff; name per language."""

    translatable_fields = ("name",)

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="areas", verbose_name=_("branch")
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AreaKind.choices, default=AreaKind.URBAN)
    households = models.PositiveIntegerField(_("households"), default=0)
    address_keywords = models.TextField(
        _("address keywords"),
        blank=True,
        help_text=_(
            "One keyword per line (street, community, village); an address containing one falls in this area."
        ),
    )
    responsible = models.ManyToManyField(
        "organization.Staff", blank=True, related_name="areas", verbose_name=_("responsible staff")
    )
    outlet = models.ForeignKey(
        Outlet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="areas",
        verbose_name=_("serving outlet"),
        help_text=_("The outlet whose customers these are in the outlet comparison (docs/kpis.md)."),
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["branch", "code"]

    def __str__(self) -> str:
        return self.name

    def keywords(self) -> list[str]:
        return [k.strip() for k in self.address_keywords.splitlines() if k.strip()]


class Staff(models.Model):
    """A member of the service staff: a login, a role, a branch and a place in the hierarchy."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    badge_no = models.CharField(_("badge number (工号)"), max_length=30, unique=True)
    role = models.CharField(_("role"), max_length=20, choices=RoleChoices.choices)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("branch"),
        help_text=_("Empty for company-level staff, who see every branch."),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("department"),
    )
    leader = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("leader"),
    )
    grade = models.PositiveSmallIntegerField(_("grade"), default=1, help_text=_("Higher is more senior."))
    hired_on = models.DateField(_("hired on"))
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    wecom_userid = models.CharField(
        _("WeCom user ID"),
        max_length=64,
        blank=True,
        help_text=_(
            "The member's account (UserID) in the company's WeCom (企业微信): notifications by WeCom go there."
        ),
    )
    photo = models.FileField(_("photo"), upload_to="staff/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["badge_no"]

    def __str__(self) -> str:
        return f"{self.name} ({self.badge_no})"

    def can(self, capability: str) -> bool:
        """Whether this staff member's role carries the capability (see rules.CAPABILITIES)."""
        return self.is_active and can(self.role, capability)

    @property
    def sees_all_branches(self) -> bool:
        """Administrators and company-level staff (no branch); never a hotline agent, whose rows are the
        customers on the line and the orders they registered (kefu.hotline.access)."""
        return self.role == Role.ADMIN or (self.branch_id is None and self.role != Role.HOTLINE)

    @property
    def is_hotline(self) -> bool:
        """A hotline agent (role ``hotline``): the hotline scope instead of a branch (docs/hotline.md)."""
        return self.role == Role.HOTLINE


class NumberSequence(models.Model):
    """Counters for numbers shown to people (GD-YYYYMMDD-NNNNNN), incremented under a row lock."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ApiToken(models.Model):
    """Token for integrations (``Authorization: Bearer <token>``); only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ConfigVersion(models.Model):
    """A token per group of configuration tables (``organization``: branches, departments, service areas;
    ``commitments``: services, time limits, service materials), set to a new random value by a database
    trigger on every insert, update or delete of one of the group's tables — whoever writes, by whatever
    means. ``kefu.organization.config_cache`` keeps what it read per process and reads it again only when
    the token changed (one query per request for all groups)."""

    name = models.CharField(max_length=60, primary_key=True)
    token = models.BigIntegerField(default=0)

    class Meta:
        db_table = "kefu_config_version"
        verbose_name = "configuration version"

    def __str__(self) -> str:
        return f"{self.name} {self.token}"


class RevisionState(models.TextChoices):
    PENDING = "pending", _("waiting for its date")
    APPLIED = "applied", _("in effect")
    CANCELLED = "cancelled", _("cancelled")
    CONFLICT = "conflict", _("not applied: changed meanwhile")


class ConfigRevision(models.Model):
    """A change of one configuration object (area, outlet, calendar, phrase) saved to take effect later.

    ``kind`` is the object's model label (``organization.servicearea`` …, the audit records' object type);
    ``patch`` maps each changed field to ``{"before": …, "after": …}`` (the values when it was saved and the
    new ones). The job ``organization.config_revisions`` applies a due revision on the current values, or
    marks it ``conflict`` when a field it changes was changed since (``kefu.organization.revisions``)."""

    kind = models.CharField(_("kind"), max_length=60)
    object_id = models.BigIntegerField(_("object"))
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    patch = models.JSONField(_("changes"), default=dict)
    note = models.CharField(_("reason"), max_length=500, blank=True)
    effective_from = models.DateTimeField(_("effective from"))
    status = models.CharField(
        _("status"), max_length=12, choices=RevisionState.choices, default=RevisionState.PENDING
    )
    problem = models.CharField(_("why not applied"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved by"),
    )
    created_at = models.DateTimeField(_("saved at"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    done_at = models.DateTimeField(_("applied or cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("configuration revision")
        verbose_name_plural = _("configuration revisions")
        ordering = ["-effective_from", "-id"]
        indexes = [
            models.Index(fields=["status", "effective_from"], name="cfg_revision_due"),
            models.Index(fields=["kind", "object_id", "status"], name="cfg_revision_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id} @ {self.effective_from:%Y-%m-%d %H:%M} ({self.status})"

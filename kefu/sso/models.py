"""Single sign-on for staff: which directory groups give which role and branch, and which accounts a
directory (LDAP / Active Directory) or an OpenID Connect provider manages (docs/sso.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.organization.models import RoleChoices
from kefu.sso.rules import normalize_group


class Source(models.TextChoices):
    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")


class GroupMapping(models.Model):
    """A directory group (LDAP group DN or a value of the OpenID Connect groups claim) → role and/or branch."""

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    group = models.CharField(
        _("group"),
        max_length=500,
        help_text=_(
            "LDAP: the group's distinguished name (cn=kefu-agents,ou=groups,dc=example,dc=com). "
            "OpenID Connect: one value of the groups claim. Compared without regard to case."
        ),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=RoleChoices.choices,
        blank=True,
        help_text=_("The role members get; empty when this group only gives the branch."),
    )
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("branch"),
        help_text=_("The branch members belong to; empty when this group only gives the role."),
    )
    company_level = models.BooleanField(
        _("company level"),
        default=False,
        help_text=_("Members with no branch from any group are company-level staff (they see every branch)."),
    )
    position = models.PositiveSmallIntegerField(
        _("precedence"),
        default=100,
        help_text=_(
            "When a member is in several groups, the role and the branch come from the lowest number."
        ),
    )

    class Meta:
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["source", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "group"], name="sso_mapping_unique_group")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.group}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.group = normalize_group(self.group)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.group = normalize_group(self.group)
        if not self.role and self.branch_id is None and not self.company_level:
            raise ValidationError(_("Give the group a role, a branch or company level."))


class ExternalAccount(models.Model):
    """A login whose role and branch follow a directory's groups; its password is the directory's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_account",
        verbose_name=_("user"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    subject = models.CharField(
        _("directory ID"),
        max_length=255,
        help_text=_("LDAP: the user name in the directory; OpenID Connect: the provider's subject (sub)."),
    )
    groups = models.JSONField(_("groups at the last sign-in"), default=list, blank=True)
    last_sync_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    suspended = models.BooleanField(
        _("suspended by the directory"),
        default=False,
        help_text=_("Deactivated because the groups gave no role or branch; back when they do again."),
    )

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")
        ordering = ["source", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["source", "subject"], name="sso_account_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.subject}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.source == Source.LDAP:  # directory user names compare without regard to case
            self.subject = self.subject.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

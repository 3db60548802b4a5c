"""E-mail signatures: one per staff member and one per branch (docs/signatures.md). A reply by e-mail
ends with the author's own signature, else the branch's, else the built-in one — each names the staff
member and their badge number (工号, R-24) and the order number."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailSignature(models.Model):
    staff = models.OneToOneField(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_signature",
        verbose_name=_("staff member"),
    )
    branch = models.OneToOneField(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_signature",
        verbose_name=_("branch"),
    )
    html = models.TextField(_("HTML"), blank=True)
    text = models.TextField(_("plain text"), blank=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("e-mail signature")
        verbose_name_plural = _("e-mail signatures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(staff__isnull=True, branch__isnull=False)
                | models.Q(staff__isnull=False, branch__isnull=True),
                name="signature_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return str(self.staff or self.branch)

"""A technician's weekly working hours (shifts), for the free visit windows (kefu.fieldservice.availability)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.commitments.models import Weekday  # the calendar's weekdays (0 = Monday)


class TechnicianShift(models.Model):
    """One period a technician works on a weekday, in the branch's local time. A technician without any
    shift works the branch calendar's hours; a make-up working day is worked like the calendar says."""

    staff = models.ForeignKey(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="field_shifts",
        verbose_name=_("technician"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("technician shift")
        verbose_name_plural = _("technician shifts")
        ordering = ["staff", "weekday", "start"]
        indexes = [models.Index(fields=["staff", "weekday"], name="fs_shift_staff_day")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="fs_shift_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

"""Back office of booking: technicians' weekly shifts (audited). Registered from ``apps.ready`` so that the
field-service parts each keep their own admin module."""

from __future__ import annotations

from django.contrib import admin

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.fieldservice.models import TechnicianShift


@admin.register(TechnicianShift)
class TechnicianShiftAdmin(AuditedAdmin):
    list_display = ["staff", "weekday", "start", "end"]
    list_filter = ["weekday", "staff__branch"]
    search_fields = ["staff__name", "staff__badge_no"]
    raw_id_fields = ["staff"]
    ordering = ["staff__name", "weekday", "start"]

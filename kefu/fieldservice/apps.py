from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldServiceConfig(AppConfig):
    """Field service: appointments (visit windows booked from the technicians' availability), the technician's
    day on a phone, and area-wide safety-check campaigns (docs/field-service.md)."""

    name = "kefu.fieldservice"
    label = "fieldservice"
    verbose_name = _("Field service")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldServiceConfig(AppConfig):
    """Field service: appointments (visit windows booked from the technicians' availability), the technician's
    day on a phone, and area-wide safety-check campaigns (docs/field-service.md)."""

    name = "kefu.fieldservice"
    label = "fieldservice"
    verbose_name = _("Field service")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference

        # a campaign's household of a merged record stays with it (the survivor has, or gets, its own row:
        # one row per customer and campaign) and is no longer planned
        register_customer_reference("fieldservice.CampaignHousehold", "customer", moves=False)

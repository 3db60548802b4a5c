from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldServiceConfig(AppConfig):
    """Field service: appointments (visit windows booked from the technicians' availability), the technician's
    day on a phone, and area-wide safety-check campaigns (docs/field-service.md)."""

    name = "kefu.fieldservice"
    label = "fieldservice"
    verbose_name = _("Field service")

    def ready(self) -> None:
        from kefu.fieldservice import admin_shifts  # noqa: F401  (the technicians' shifts in the back office)
        from kefu.fieldservice.panels import order_annotations, order_panel
        from kefu.workorders.hooks import OrderPanel, register_order_panel

        # the order page's "Visit" card: the booked window, the technician, book / move / cancel
        register_order_panel(
            OrderPanel(
                "fieldservice.visit",
                "fieldservice/booking/panel.html",
                order_panel,
                position=45,
                annotations=order_annotations,
            )
        )
        from kefu.customers.hooks import register_customer_reference

        # a campaign's household of a merged record stays with it (the survivor has, or gets, its own row:
        # one row per customer and campaign) and is no longer planned
        register_customer_reference("fieldservice.CampaignHousehold", "customer", moves=False)

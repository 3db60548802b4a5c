from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents (一事多报): one parent for the many reports of one outage, with an owner unit (主办) and
    co-handling units (协办), one message to every reporter and the children closed together
    (docs/incidents.md)."""

    name = "kefu.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference(
            "incidents.IncidentDelivery", "customer"
        )  # a customer merge moves them to the survivor
        from kefu.incidents import actions, panels
        from kefu.workorders import hooks

        hooks.register_followup_waiver("incidents.covered", actions.followup_waiver)
        hooks.register_order_panel(
            hooks.OrderPanel(
                key="incident",
                template="incidents/_order_panel.html",
                context=panels.order_panel,
                position=15,
            )
        )

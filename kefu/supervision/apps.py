from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Accountability records, supervision notices (督办) and area contracting (R-27, R-30)."""

    name = "kefu.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from kefu.supervision import actions, panels
        from kefu.workorders import hooks

        hooks.register_transition_listener("supervision.notices", actions.on_transition)
        hooks.register_order_panel(
            hooks.OrderPanel(
                key="supervision",
                template="supervision/_order_panel.html",
                context=panels.order_panel,
                position=120,
                annotations=panels.order_panel_annotations,
            )
        )
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("supervision.AccountabilityRecord", "customer", via_order="workorder")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """Follow-up (回访) of resolved orders and plans for large customers (R-19..R-21)."""

    name = "kefu.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from kefu.followup import actions, panels
        from kefu.workorders import hooks

        hooks.register_transition_listener("followup.tasks", actions.on_transition)
        hooks.register_order_panel(
            hooks.OrderPanel(
                key="followup",
                template="followup/_order_panel.html",
                context=panels.order_panel,
                annotations=panels.order_panel_annotations,
            )
        )
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("followup.FollowupPlan", "customer")  # a customer merge moves them
        register_customer_reference("followup.FollowupTask", "customer", via_order="workorder")

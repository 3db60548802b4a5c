from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "kefu.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from kefu.customers import hooks as customer_hooks
        from kefu.workorders import actions
        from kefu.workorders import customer_hooks as ours

        customer_hooks.register_order_facts(ours.order_facts)
        customer_hooks.register_customer_renamed("workorders.search_text", actions.refresh_search_text)
        customer_hooks.register_customer_reference(
            "workorders.WorkOrder", "customer", after_move=actions.refresh_search_text
        )
        customer_hooks.register_customer_reference(
            "workorders.TimelineEntry", "author_customer", via_order="workorder"
        )

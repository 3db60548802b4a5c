from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "kefu.commitments"
    label = "commitments"
    verbose_name = _("Service commitments")

    def ready(self) -> None:
        from kefu.commitments import admin_limits  # noqa: F401  (admin of time limits and clocks)
        from kefu.commitments.engine import Engine
        from kefu.workorders import hooks

        hooks.register_commitments(Engine())
        from kefu.commitments import panels

        hooks.register_order_panel(
            hooks.OrderPanel(
                key="commitments-reach",
                template="commitments/_order_panel.html",
                context=panels.order_panel,
                position=60,
                annotations=panels.order_panel_annotations,
            )
        )
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("commitments.CarePlan", "customer")  # a customer merge moves them
        from kefu.commitments import calendar_edit

        calendar_edit.register_revision_kinds()  # calendars change from a date (organization.revisions)

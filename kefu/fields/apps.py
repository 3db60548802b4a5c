from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldsConfig(AppConfig):
    """Tags and custom fields of work orders and customers (meter number, 户号, appointment preference):
    their definitions, typed values, required-at-status rules, filters (docs/fields.md)."""

    name = "kefu.fields"
    label = "fields"
    verbose_name = _("Tags and custom fields")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference(
            "fields.FieldValue", "customer"
        )  # a customer merge moves them to the survivor
        from kefu.fields import actions, panels
        from kefu.workorders import hooks

        # every status change (console, API, bulk) passes here: a field required at the new status
        # refuses it, naming the field
        hooks.register_transition_guard("fields.required", actions.check_required_fields)
        # the order action macros and bulk actions use to tag (kefu.macros; one tag, inside their transaction)
        hooks.register_order_action("add_tag", actions.add_one_tag)
        hooks.register_order_panel(
            hooks.OrderPanel(
                key="fields", template="fields/_order_panel.html", context=panels.order_panel, position=50
            )
        )

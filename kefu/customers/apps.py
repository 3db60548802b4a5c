from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference as ref

        # the archive's own tables (contact points move by kefu.customers.merge itself: see there)
        for model in ("ContactPerson", "Subscription", "Contract", "Purchase", "Payment", "BadRecord"):
            ref(f"customers.{model}", "customer")
        ref("customers.CustomerNote", "customer")
        ref("customers.Contact", "customer", via_order="workorder")
        ref("customers.ContactPoint", "customer", moves=False)  # moved one by one (duplicates dropped)
        ref("customers.Customer", "merged_into", _("earlier merged records"))
        ref("customers.CustomerMerge", "survivor", moves=False)  # the merge records themselves
        # the channels' tables sit below the archive (they cannot import it): registered here
        ref("channels.OutboxMessage", "customer", via_order="workorder")
        ref("channels.OptOut", "customer")
        ref("channels.Call", "customer")
        ref("channels.CallbackTask", "customer")
        ref("channels.GatewayMessage", "customer", via_order="workorder")
        ref("channels.InboundMessage", "customer", via_order="workorder")
        ref("hotline.HotlineSession", "customer")  # the hotline's sessions sit below the archive too

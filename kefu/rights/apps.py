from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "kefu.rights"
    label = "rights"
    verbose_name = "Customer rights (personal information)"

    def ready(self) -> None:
        from kefu.rights import actions

        actions.register_hooks()
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("rights.RightsRequest", "customer", via_order="workorder")

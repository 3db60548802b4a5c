from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """The company-wide hotline: who a hotline agent has on the line (docs/hotline.md)."""

    name = "kefu.hotline"
    label = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("hotline.HotlineSession", "customer")  # a customer merge moves them

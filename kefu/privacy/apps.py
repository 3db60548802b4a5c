from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal information protection: masking by need, reveals, access records (docs/privacy.md)."""

    name = "kefu.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from kefu.customers.hooks import register_customer_reference

        # who looked at the person's data stays with the person when records are merged
        register_customer_reference("privacy.AccessRecord", "customer")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal information protection: masking by need, reveals, access records (docs/privacy.md)."""

    name = "kefu.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

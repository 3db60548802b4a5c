from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """The company-wide hotline: who a hotline agent has on the line (docs/hotline.md)."""

    name = "kefu.hotline"
    label = "hotline"
    verbose_name = _("Hotline")

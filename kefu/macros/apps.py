from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MacrosConfig(AppConfig):
    """Macros, bulk actions on the queue and saved queue views (docs/macros.md)."""

    name = "kefu.macros"
    label = "macros"
    verbose_name = _("Macros and saved views")

    def ready(self) -> None:
        from kefu.macros.panels import register

        register()

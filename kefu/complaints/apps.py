from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Customer types and complaint handling: causes, steps, compensation (R-25, R-26)."""

    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from kefu.complaints.hooks import register

        register()  # customer-type suggestion, close guard, order-page panels (kefu.workorders.hooks)

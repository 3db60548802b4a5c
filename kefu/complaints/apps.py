from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Customer types and complaint handling: causes, steps, compensation (R-25, R-26)."""

    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        pass  # registers its work-order hooks (kefu.workorders.hooks) here

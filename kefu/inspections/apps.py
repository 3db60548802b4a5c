from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """Inspections, corrective actions and training (R-28, R-29)."""

    name = "kefu.inspections"
    label = "inspections"
    verbose_name = _("Inspections and training")

    def ready(self) -> None:
        pass  # registers hooks / periodic jobs here

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Accountability records, supervision notices (督办) and area contracting (R-27, R-30)."""

    name = "kefu.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        pass  # registers hooks / periodic jobs here

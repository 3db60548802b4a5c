from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """KPIs, assessment sheets, dashboards and exports (R-31, R-32)."""

    name = "kefu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        pass  # registers hooks / periodic jobs here

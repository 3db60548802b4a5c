from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys and quality scores: CSAT, NPS, SERVQUAL, service levels (R-22, R-23)."""

    name = "kefu.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        pass  # registers its work-order hooks (kefu.workorders.hooks) here

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """Service standards: phrase library, forbidden-phrase checker, greetings (R-24)."""

    name = "kefu.standards"
    label = "standards"
    verbose_name = _("Service standards")

    def ready(self) -> None:
        pass  # registers its reply check (kefu.workorders.hooks) here

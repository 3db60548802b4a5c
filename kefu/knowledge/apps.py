from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """Knowledge base / FAQ, staffing (Erlang C) and imports (R-34)."""

    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge and staffing")

    def ready(self) -> None:
        from kefu.knowledge import duty
        from kefu.knowledge.panels import register

        register()
        duty.register()

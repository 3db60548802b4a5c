from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """Follow-up (回访) of resolved orders and plans for large customers (R-19..R-21)."""

    name = "kefu.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        pass  # registers its work-order hooks (kefu.workorders.hooks) here

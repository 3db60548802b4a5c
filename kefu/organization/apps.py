from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "kefu.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from kefu.organization import config_cache

        config_cache.connect()

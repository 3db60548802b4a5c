from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "kefu.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from kefu.sso import signals

        signals.connect()

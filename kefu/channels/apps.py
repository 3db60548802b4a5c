from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "kefu.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from kefu.channels import panels
        from kefu.channels.chat import wecom
        from kefu.channels.sms import inbound

        panels.register()
        wecom.register_media()  # the gateways' media APIs (kefu.media, docs/media.md)
        inbound.register_media()

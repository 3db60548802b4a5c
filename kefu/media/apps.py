from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    """Media from the channels (docs/media.md): images, files and voice messages fetched from the
    gateways' media APIs into the order's attachments."""

    name = "kefu.media"
    label = "media"
    verbose_name = _("Channel media")

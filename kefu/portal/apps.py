from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The customer portal and the public pages (sign-in, anonymous report, disclosure): an entry point
    with no models of its own."""

    name = "kefu.portal"
    label = "portal"

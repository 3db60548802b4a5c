from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications to staff: one per event and recipient, a bell in the console, e-mail/SMS by preference."""

    name = "kefu.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from kefu.notifications import delivery
        from kefu.workorders import hooks

        hooks.register_staff_event_listener("notifications", delivery.on_staff_event)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Triggers (when / if / then rules on orders) and signed outbound webhooks (docs/webhooks.md)."""

    name = "kefu.automation"
    label = "automation"
    verbose_name = _("Triggers and webhooks")

    def ready(self) -> None:
        from kefu.automation import builtins, engine, feature_kinds, jobs  # noqa: F401  (kinds and the job)
        from kefu.workorders import hooks

        feature_kinds.register()  # tags, custom fields, macros (the features below automation)
        hooks.register_order_event_listener("automation", engine.on_order_event)
        hooks.register_transition_listener("automation", engine.on_transition)
        hooks.register_staff_event_listener("automation", engine.on_staff_event)

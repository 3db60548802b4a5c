from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """Service standards: phrase library, forbidden-phrase checker, greetings (R-24)."""

    name = "kefu.standards"
    label = "standards"
    verbose_name = _("Service standards")

    def ready(self) -> None:
        from kefu.standards.actions import record_rule_violation
        from kefu.standards.checks import check_reply
        from kefu.standards.panels import register
        from kefu.workorders import hooks

        hooks.register_reply_check("standards", check_reply)
        hooks.register_rule_violation_listener("standards", record_rule_violation)
        register()
        from kefu.standards import editing

        editing.register_revision_kinds()  # phrases change from a date (organization.revisions)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Surveys and quality scores: CSAT, NPS, SERVQUAL, service levels (R-22, R-23)."""

    name = "kefu.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from kefu.surveys.actions import on_transition
        from kefu.workorders.hooks import register_transition_listener

        # a resolved order invites its customer to the survey chosen by the rules
        register_transition_listener("surveys.invite_after_resolution", on_transition)
        from kefu.surveys.actions import on_followup_done
        from kefu.workorders.hooks import register_followup_done

        # a finished follow-up invites to the survey of the "after follow-up" rules (if any)
        register_followup_done("surveys.invite_after_followup", on_followup_done)
        from kefu.customers.hooks import register_customer_reference

        register_customer_reference("surveys.Invitation", "customer", via_order="workorder")
        register_customer_reference("surveys.SatisfactionRecord", "customer", via_order="workorder")

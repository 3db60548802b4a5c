"""Readable names of the service-log actions (R-33) for the order and customer pages.

The log stores a stable machine code (``order.transfer``); people read the translated label. An unknown
code (a new action, a plug-in) is shown as it is, never hidden.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

LABELS: dict[str, Any] = {
    "accountability.create": _("accountability record opened"),
    "accountability.statement": _("statement given on an accountability record"),
    "accountability.decide": _("accountability decision taken"),
    "admin.add": _("added in the back office"),
    "admin.change": _("changed in the back office"),
    "admin.delete": _("deleted in the back office"),
    "supervision.notice": _("supervision notice (督办) issued"),
    "supervision.answer": _("supervision notice answered"),
    "supervision.overdue": _("overdue supervision notice reported to the next level"),
    "area.assign": _("responsible staff of a service area changed"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "calendar.seed": _("holidays filled in"),
    "call.ringing": _("incoming call"),
    "call.answered": _("call answered"),
    "call.ended": _("call ended"),
    "call.missed": _("call missed"),
    "call.callback": _("missed call returned"),
    "clock.extension_requested": _("time-limit extension requested"),
    "clock.extension_approved": _("time-limit extension approved"),
    "clock.extension_rejected": _("time-limit extension rejected"),
    "clock.unreachable": _("customer unreachable: written report filed"),
    "clock.recomputed": _("time limit computed once the calendar year was entered"),
    "complaint.classify": _("complaint cause recorded"),
    "complaint.step_done": _("complaint handling step done"),
    "complaint.step_undone": _("complaint handling step unticked"),
    "compensation.record": _("compensation recorded"),
    "compensation.approve": _("compensation approved"),
    "compensation.reject": _("compensation rejected"),
    "customer_type.chosen": _("customer type set"),
    "customer.create": _("customer created"),
    "customer.update": _("customer changed"),
    "customer.note": _("note added"),
    "customer.contact": _("contact recorded"),
    "customer.portal_login": _("portal login created"),
    "customer.tier_override": _("tier set by hand"),
    "customer.tier_recomputed": _("tier or churn risk recomputed"),
    "customer.add_subscription": _("subscription added"),
    "customer.add_contract": _("contract added"),
    "customer.add_purchase": _("purchase added"),
    "customer.add_payment": _("payment added"),
    "customer.add_bad_record": _("bad record added"),
    "customer.add_person": _("contact person added"),
    "demo.load": _("demo data loaded"),
    "followup.create": _("follow-up task created"),
    "followup.cancel": _("follow-up task cancelled (order reopened)"),
    "followup.attempt": _("follow-up attempt: customer not reached"),
    "followup.unreachable": _("follow-up ended: customer unreachable"),
    "followup.done": _("follow-up recorded"),
    "followup.hand_back": _("reopened by follow-up and handed back to the first-contact owner"),
    "followup.missed": _("follow-up missed (due time passed)"),
    "followup.plan_visit": _("planned follow-up visit created"),
    "mail.inbound": _("e-mail received"),
    "mail.dead_letter_retry": _("undeliverable e-mail taken in again"),
    "mail.dead_letter_resolved": _("undeliverable e-mail marked resolved"),
    "maintenance.announce": _("planned maintenance announced"),
    "order.create": _("work order registered"),
    "order.update": _("work order edited"),
    "order.reply": _("reply sent to the customer"),
    "order.note": _("internal note"),
    "order.customer_message": _("message from the customer"),
    "order.attachment": _("file attached"),
    "order.transfer": _("transferred"),
    "order.escalate": _("escalated"),
    "order.handle_escalation": _("escalation handled"),
    "order.escalation_handled": _("escalation handled"),
    "order.link": _("linked"),
    "order.merge": _("merged as a duplicate"),
    "order.start": _("work started"),
    "order.request_materials": _("materials requested"),
    "order.materials_complete": _("materials complete"),
    "order.wait_for_customer": _("waiting for the customer"),
    "order.resume": _("work resumed"),
    "order.resolve": _("resolved"),
    "order.close": _("closed"),
    "order.withdraw": _("withdrawn"),
    "order.reopen": _("reopened"),
    "order.materials_check": _("materials checked"),
    "order.materials_notice": _("one-time notice of missing materials given"),
    "survey.invite": _("customer invited to a satisfaction survey"),
    "survey.response": _("satisfaction survey answered"),
    "outbox.retry": _("outbox messages queued again"),
    "portal.link_login": _("signed in to the portal with a one-time link"),
    "standards.violation": _("reply sent with a forbidden phrase (reason given)"),
}


def label(code: str) -> str:
    """The translated label of a service-log action code (the code itself when unknown)."""
    found = LABELS.get(code)
    return str(found) if found is not None else code

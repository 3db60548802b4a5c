"""The words of a notification, rendered in the active language from its kind and stored details."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.lib import links


def describe(kind: str, params: dict[str, Any]) -> str:
    """One sentence for the list, the e-mail subject and the SMS."""
    p = {"number": params.get("number", ""), **params}
    if kind == "assigned":
        return _("%(number)s was assigned to you.") % p
    if kind == "owner":
        return _("You are the first-contact owner of %(number)s.") % p
    if kind == "escalation":
        if params.get("to_president"):
            return _("%(number)s was escalated to the president (you).") % p
        return _("%(number)s was escalated to you.") % p
    if kind == "warning":
        return _("The deadline of %(number)s is near.") % p
    if kind == "breach":
        return _("The deadline of %(number)s has passed.") % p
    if kind == "supervision_notice":
        return _("Supervision notice (督办) on %(number)s.") % p
    if kind == "extension_requested":
        return _("An extension is requested on %(number)s.") % p
    if kind == "extension_decided":
        if params.get("approved"):
            return _("Your extension on %(number)s was approved.") % p
        return _("Your extension on %(number)s was rejected.") % p
    if kind == "unreachable_reported":
        return _("A customer-unreachable report on %(number)s waits for your decision.") % p
    if kind == "unreachable_decided":
        if params.get("approved"):
            return _("Your customer-unreachable report on %(number)s was approved.") % p
        return _("Your customer-unreachable report on %(number)s was rejected; the clock runs on.") % p
    if kind == "materials_request":
        return _("Materials beyond the one-time notice are requested on %(number)s; approve or reject.") % p
    if kind == "materials_decided":
        if params.get("approved"):
            return _("Your request for further materials on %(number)s was approved.") % p
        return _("Your request for further materials on %(number)s was rejected.") % p
    if kind == "followup_failed":
        return _("The follow-up found a problem: %(number)s is back with you.") % p
    if kind == "customer_message":
        return _("The customer wrote on %(number)s.") % p
    if kind == "mention":
        return _("You were mentioned in a note on %(number)s.") % p
    if kind == "emergency":
        return _("EMERGENCY %(number)s: %(title)s — go now.") % {"title": "", **p}
    if kind == "trigger":
        return _("%(number)s: %(text)s") % {"text": "", **p}
    if kind == "webhook_disabled":
        return _("The webhook %(name)s was disabled after %(failures)s failed deliveries.") % {
            "name": "",
            "failures": "",
            **p,
        }
    if kind == "inspection":
        return _("An inspection about you was published.")
    if kind == "statement":
        if p["number"]:  # several records in a row are told apart by their order
            return _("Your statement is requested on an accountability record about %(number)s.") % p
        return _("Your statement is requested on an accountability record.")
    return kind


def detail(params: dict[str, Any]) -> str:
    """The free text that came with the event (reason, notice text, note), if any."""
    return str(params.get("reason") or params.get("text") or params.get("note") or "")


def order_link(number: str) -> str:
    """The absolute link to the order (``kefu.lib.links``)."""
    return links.absolute(reverse("console:order_detail", kwargs={"key": number}))


def message(kind: str, params: dict[str, Any], repeats: int) -> tuple[str, str]:
    """(subject, body) of the e-mail; the SMS is the body."""
    head = describe(kind, params)
    lines = [head]
    if params.get("title"):
        lines.append(str(params["title"]))
    if detail(params):
        lines.append(detail(params))
    if repeats > 1:
        lines.append(_("(%(count)s times)") % {"count": repeats})
    if params.get("number"):
        lines.append(order_link(str(params["number"])))
    return _("[Kefu] %(text)s") % {"text": head}, "\n".join(lines)

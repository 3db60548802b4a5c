"""The reply check registered with ``kefu.workorders.hooks`` (runs in ``do_reply`` before the reply is stored).

1. Variables of the phrase library left unfilled (``{deadline}``) stop the reply: a mistake, no override.
2. Forbidden phrases stop the reply (``forbidden_phrase`` on ``body``, with the matches) unless the agent gives
   ``override_reason``; then the reply goes out and a :class:`StandardsViolation` is stored and audited in the
   same transaction. ``event.data["dry_run"]`` (a caller checking before an external send, e.g. chat) checks
   without recording.
3. Missing greetings/closings are warnings only: translated sentences in ``event.data["warnings"]`` (``do_reply``
   hands the data to its caller as ``entry.check_data``; the console shows them after sending).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.lib.errors import ValidationFailed
from kefu.standards import actions, rules, services
from kefu.workorders.hooks import ReplyEvent

MAX_REASON = 500


def check_reply(event: ReplyEvent) -> None:
    left = rules.leftover_variables(event.text)
    if left:
        raise ValidationFailed(
            "unfilled_variable",
            _("Fill in %(names)s before sending: the phrase's value is missing.")
            % {"names": ", ".join("{" + n + "}" for n in left)},
            "body",
            variables=left,
        )
    matches = services.order_checker(event.order, event.text).find(event.text)
    if matches:
        payload = services.match_payload(matches, event.order)
        event.data["forbidden"] = payload
        reason = (event.override_reason or "").strip()
        if not reason:
            raise services.forbidden_error(payload)
        if len(reason) > MAX_REASON:
            raise ValidationFailed(
                "too_long",
                _("Keep the reason under %(max)s characters.") % {"max": MAX_REASON},
                "override_reason",
            )
        if not event.data.get("dry_run"):
            event.data["violation"] = actions.record_violation(event, payload).pk
    first = event.order.first_response_at is None
    warnings = services.greeting_warnings(
        event.text, event.channel, first, services.order_language(event.order)
    )
    if warnings:
        event.data.setdefault("warnings", []).extend(warnings)

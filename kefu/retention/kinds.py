"""The retention table: every kind of data Kefu deletes or anonymises after a period, its default period,
the reason for it, and the legal minimum where one is known (docs/privacy.md, "Retention").

A period counts from the moment named in ``counted_from`` (the call's start, the order's closing, …);
0 days keeps the data for ever, which ``kefu check`` warns about where ``warn_forever`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Action:
    DELETE = "delete"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise | str
    action: str
    counted_from: Promise | str
    default: Callable[[], int]
    reason: Promise | str
    legal_minimum_days: int = 0
    legal_basis: str = ""
    warn_forever: bool = True

    @property
    def default_days(self) -> int:
        return max(0, int(self.default()))


def _fixed(days: int) -> Callable[[], int]:
    return lambda: days


# Network logs: at least six months (PRC Cybersecurity Law, art. 21(3)).
LOGS_MINIMUM = 180
# Accounting records: account books and vouchers 10 years (PRC Tax Collection Administration Law,
# implementing rules art. 29); Hungary 8 years (Act C of 2000 on Accounting, § 169). The longer one applies.
BILLING_MINIMUM = 3650

KINDS: dict[str, Kind] = {
    k.code: k
    for k in [
        Kind(
            "calls",
            _("Call records and recordings"),
            Action.DELETE,
            _("start of the call"),
            _fixed(180),
            _(
                "Needed to settle a dispute about what was said and for quality inspection; six months covers "
                "the complaint and supervision windows. A call scored in a quality inspection is kept with the "
                "inspection. The recordings themselves are stored by the telephony (CTI) system: set the same "
                "period there."
            ),
        ),
        Kind(
            "chat_transcripts",
            _("Chat, SMS and social media transcripts"),
            Action.DELETE,
            _("receipt of the message"),
            _fixed(180),
            _(
                "The messages as the gateways delivered them; the text that matters is on the order's "
                "timeline, which follows the order's own period."
            ),
        ),
        Kind(
            "attachments",
            _("Attachments of closed orders"),
            Action.DELETE,
            _("closing of the order"),
            _fixed(730),
            _(
                "Photos and documents are evidence while a complaint or a claim about the work can still be "
                "raised (the general limitation period is three years, counted from when the customer knew; "
                "two years after closing covers nearly all); the files are removed from disk with their rows."
            ),
        ),
        Kind(
            "access_records",
            _("Access records (who looked at personal data)"),
            Action.DELETE,
            _("the access"),
            lambda: int(getattr(settings, "KEFU_ACCESS_RECORDS_RETENTION_DAYS", 365)),
            _(
                "Lets a supervisor answer who looked at a customer in the last months; a year leaves room "
                "for an investigation. Network logs must be kept at least six months. The default comes "
                "from KEFU_ACCESS_RECORDS_RETENTION_DAYS."
            ),
            legal_minimum_days=LOGS_MINIMUM,
            legal_basis="PRC Cybersecurity Law art. 21(3)",
        ),
        Kind(
            "closed_orders",
            _("Closed work orders"),
            Action.ANONYMISE,
            _("closing of the order"),
            _fixed(1095),
            _(
                "The order is anonymised, not deleted: the monthly reports, time-limit statistics and "
                "assessments count it for years. Its personal fields (the text, the reply address, the "
                "timeline texts) are blanked; number, service, branch, area, dates and status stay."
            ),
        ),
        Kind(
            "anonymous_reports",
            _("Contact details of anonymous reports"),
            Action.ANONYMISE,
            _("closing of the order"),
            _fixed(180),
            _(
                "The phone number or e-mail address given on the public report form is only needed to answer "
                "the report; it is blanked six months after the order closed."
            ),
        ),
        Kind(
            "raw_email",
            _("Raw inbound e-mail"),
            Action.DELETE,
            _("receipt of the e-mail"),
            lambda: int(getattr(settings, "KEFU_MAIL_RAW_RETENTION_DAYS", 90)),
            _(
                "The message exactly as received, for tracing a delivery problem; the text and the "
                "attachments are on the order. The default comes from KEFU_MAIL_RAW_RETENTION_DAYS."
            ),
        ),
        Kind(
            "outbox",
            _("Sent messages (outbox)"),
            Action.DELETE,
            _("creation of the message"),
            _fixed(180),
            _(
                "Proof of what was sent to whom, when; messages still queued or retrying are never deleted. "
                "The order's timeline keeps the replies themselves."
            ),
        ),
        Kind(
            "notifications",
            _("Staff notifications"),
            Action.DELETE,
            _("last update of the notification"),
            _fixed(90),
            _("Working reminders for staff; nobody needs them after three months."),
        ),
        Kind(
            "payments",
            _("Payment records"),
            Action.DELETE,
            _("the payment"),
            _fixed(BILLING_MINIMUM),
            _(
                "Accounting records: ten years in China (tax administration rules), eight in Hungary; "
                "unpaid items are never deleted."
            ),
            legal_minimum_days=BILLING_MINIMUM,
            legal_basis="PRC Tax Collection Administration Law implementing rules art. 29; HU Act C of 2000 § 169",
            warn_forever=False,
        ),
        Kind(
            "audit",
            _("Service log (audit)"),
            Action.DELETE,
            _("the change"),
            _fixed(3650),
            _(
                "Kept long on purpose: it is the evidence of who changed what (R-33) for supervision, "
                "complaints and disputes, and of this retention itself. Ten years; at least the six months "
                "required for logs."
            ),
            legal_minimum_days=LOGS_MINIMUM,
            legal_basis="PRC Cybersecurity Law art. 21(3)",
            warn_forever=False,
        ),
    ]
}

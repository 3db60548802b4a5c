"""/api/v1/mail/inbound/{mailbox_id}: raw e-mail from an MTA or a mail webhook, taken in like a polled one."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from kefu.api.common import GATEWAY_ERRORS, ApiRequest, ErrorOut, Id
from kefu.channels.mail import inbound as mail_in
from kefu.channels.models.mail import Mailbox
from kefu.lib.errors import KefuError, NotFound, Unavailable, ValidationFailed
from kefu.organization.access import require_staff
from kefu.workorders.rules import serves_branch

router = Router(tags=["e-mail"])


class TooLarge(KefuError):
    status = 413


class InboundMailOut(Schema):
    status: str
    inbound_id: int | None
    order: str | None
    customer_id: int | None
    acknowledged: bool
    dead_letter_id: int | None
    reason: str
    # DMARC per the trusted Authentication-Results (KEFU_MAIL_TRUSTED_AUTHSERV_IDS): "" not checked, "pass",
    # "none" (no verdict), "fail" (unverified sender: a new order, never added to an existing one)
    sender_check: str


@router.post(
    "/mail/inbound/{mailbox_id}",
    response={200: InboundMailOut, 201: InboundMailOut, 202: InboundMailOut, 413: ErrorOut, **GATEWAY_ERRORS},
    summary="Deliver one raw e-mail (RFC 822) to a mailbox",
    openapi_extra={
        "requestBody": {
            "content": {
                "message/rfc822": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": (
                        "From: Zhang San <zhang.san@example.cn>\r\nTo: service@example.cn\r\n"
                        "Subject: Gas meter leaking\r\nMessage-ID: <example-1@example.cn>\r\n"
                        "Date: Mon, 02 Mar 2026 09:30:00 +0800\r\n\r\nThe gas meter is leaking, please come.\r\n"
                    ),
                }
            },
            "required": True,
        }
    },
)
def inbound_mail(request: ApiRequest, mailbox_id: Id) -> Status:
    """The request body is the message exactly as received. 201 when taken in (new order, reply on an
    order, or kept as automatic mail), 200 when this message was taken in before (same Message-ID, or
    the same bytes without one), 202 when it could not be read and went to the dead-letter list (do not
    retry: an admin sees it there), 503 with ``Retry-After`` when it cannot be taken in now (the database
    locked or unreachable, the attachment directory unavailable): nothing was stored, deliver it again
    later. Needs a staff or integration user allowed to create customers and orders in the mailbox's
    branch. Put the receiving server's ``Authentication-Results`` on top of the message as it does for
    delivered mail: with ``KEFU_MAIL_TRUSTED_AUTHSERV_IDS`` set, a DMARC failure makes the sender
    unverified (``sender_check`` "fail")."""
    staff = require_staff(request.auth, "order.create")
    require_staff(request.auth, "customer.create")
    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).select_related("branch").first()
    if mailbox is None or not serves_branch(staff.branch_id, mailbox.branch_id):
        raise NotFound("not_found", _("There is no such mailbox."), None)
    limit = mail_in.max_message_bytes()
    raw = request.body if hasattr(request, "_body") else request.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(
            "too_large",
            _("The message is larger than the limit (%(mb)d MB).") % {"mb": limit // (1024 * 1024)},
            None,
        )
    if not raw.strip():
        raise ValidationFailed("required", _("The request body must be the raw e-mail."), None)
    try:
        result = mail_in.ingest(mailbox, raw)
    except mail_in.TemporaryFailure:
        raise Unavailable(
            "temporarily_unavailable",
            _("The message cannot be taken in right now; nothing was saved. Deliver it again later."),
            None,
        ) from None
    inbound = result.inbound
    order = result.order or (inbound.workorder if inbound else None)
    out = {
        "status": result.status,
        "inbound_id": inbound.pk if inbound else None,
        "order": order.number if order else None,
        "customer_id": inbound.customer_id if inbound else None,
        "acknowledged": bool(inbound and inbound.acknowledgement_id),
        "dead_letter_id": result.dead_letter.pk if result.dead_letter else None,
        "reason": result.reason,
        "sender_check": inbound.sender_check if inbound else "",
    }
    code = {mail_in.Status.DUPLICATE: 200, mail_in.Status.DEAD_LETTER: 202}.get(result.status, 201)
    return Status(code, out)

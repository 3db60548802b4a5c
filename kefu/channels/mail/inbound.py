"""Taking in one e-mail (R-5, R-6): ``ingest(mailbox, raw_bytes)``, shared by the IMAP poller and the
MTA endpoint.

In one transaction: record the message once per (mailbox, Message-ID) (no Message-ID: the SHA-256 of
the bytes), match the sender to a customer by normalised address or create one in the mailbox's branch,
thread it onto the customer's order (order number in the subject, or a reply to one of our own
e-mails) as the customer's message — so an order waiting for the customer resumes — or open a new
order (channel e-mail, received by the portal receiver of the branch), store attachments, and queue the
acknowledgement in the outbox.

A sender whose From domain failed DMARC at one of our trusted receiving servers (``mail.sender_check``,
``KEFU_MAIL_TRUSTED_AUTHSERV_IDS``) is *unverified*: the message never joins an existing order — not by
``In-Reply-To``/``References``, not by an order number in the subject — but opens a new order, which
says so on its timeline and order page; ``InboundMessage.sender_check`` keeps the verdict.

The acknowledgement (``Auto-Submitted: auto-generated``, set by the outbox on every e-mail) is the order
number and our standard text only: nothing the sender wrote (subject, name, links) is echoed, so it
cannot carry a spammer's text to a forged address; to an unverified sender it does not even reference
their Message-ID. It is never sent to automatic mail (auto-replies, lists, bounces, delivery reports), to
the system's own addresses, nor more than once per sender within ``KEFU_MAIL_ACK_WINDOW_MINUTES``
(default 60). It is not a reply by a person: the first-response clock keeps running until a person
answers (``do_reply``).

A message that cannot be read or taken in becomes a ``DeadLetter`` with the reason; ``ingest`` never
raises for a bad message. A temporary failure (``kefu.lib.transient``: the database locked or unreachable, the
attachment directory unavailable) raises ``TemporaryFailure`` instead, with nothing stored: the caller
keeps the message and tries again (the endpoint answers 503, the poller leaves it in the folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.mail import parse as mail
from kefu.channels.models import OutboxChannel, OutboxMessage
from kefu.channels.models.mail import DeadLetter, InboundMessage, InboundOutcome, Mailbox, SenderVerification
from kefu.customers import actions as cust_actions
from kefu.customers.models import Channel, Customer
from kefu.lib import clock, search, transient
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.media import rules as media_rules
from kefu.organization.sequences import next_value
from kefu.retention.actions import cutoff as retention_cutoff
from kefu.retention.registry import pick
from kefu.workorders import actions as wo_actions
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import TimelineEntry, WorkOrder
from kefu.workorders.receivers import receive_request

log = logging.getLogger("kefu.mail")

MAX_BODY_CHARS = 20_000  # what an order's message holds (workorders._check_body)
ORDER_TYPE = "inquiry"  # an e-mail's type is set by the agent who reads it


class Status:
    NEW_ORDER = "new_order"
    THREADED = "threaded"
    AUTOMATIC = "automatic"
    OWN = "own"
    DUPLICATE = "duplicate"
    DEAD_LETTER = "dead_letter"


@dataclass
class IngestResult:
    status: str
    inbound: InboundMessage | None = None
    order: WorkOrder | None = None
    acknowledgement: OutboxMessage | None = None
    dead_letter: DeadLetter | None = None
    reason: str = ""


class _Duplicate(Exception):
    pass


class TemporaryFailure(Exception):
    """The message could not be taken in now for a reason that is not the message's (see the module
    docstring); nothing was stored, not even a dead letter."""


def max_message_bytes() -> int:
    return int(getattr(settings, "KEFU_MAIL_MAX_BYTES", 30 * 1024 * 1024))


def ack_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "KEFU_MAIL_ACK_WINDOW_MINUTES", 60)))


def own_addresses() -> set[str]:
    """Every address the system sends from or receives at (never acknowledged: no mail loops)."""
    own = {mail.normalise_address(a) for a in Mailbox.objects.values_list("address", flat=True)}
    for pair in mail._addresses(settings.DEFAULT_FROM_EMAIL):
        own.add(pair[1])
    own |= {mail.normalise_address(a) for a in getattr(settings, "KEFU_MAIL_OWN_ADDRESSES", [])}
    return own


def trusted_authserv_ids() -> list[str]:
    return list(getattr(settings, "KEFU_MAIL_TRUSTED_AUTHSERV_IDS", []) or [])


def ingest(mailbox: Mailbox, raw: bytes) -> IngestResult:
    """Take in one message (see the module docstring). Never raises for a bad message; raises
    ``TemporaryFailure`` when the database or the attachment directory is unavailable."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > max_message_bytes():
        return _dead(mailbox, raw, digest, _("The message is larger than the limit (%(mb)d MB).")
                     % {"mb": max_message_bytes() // (1024 * 1024)})  # fmt: skip
    try:
        parsed = mail.parse(
            raw,
            max_attachment_bytes=settings.KEFU_MAX_ATTACHMENT_BYTES,
            max_total_bytes=max_message_bytes(),
        )
    except mail.MailParseError as exc:
        return _dead(mailbox, raw, digest, str(exc))
    key = (parsed.message_id or f"sha256:{digest}")[:255]
    try:
        with transaction.atomic():
            return _take_in(mailbox, raw, parsed, key)
    except _Duplicate:
        return IngestResult(Status.DUPLICATE, inbound=_transient(_existing, mailbox, key))
    except KefuError as exc:
        return _dead(mailbox, raw, digest, f"{exc.code}: {exc}")
    except Exception as exc:
        if transient.is_temporary(exc):
            log.warning("inbound mail %s in %s: temporary failure, not taken in: %s", key, mailbox, exc)
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        log.exception("inbound mail %s in %s could not be taken in", key, mailbox)
        return _dead(mailbox, raw, digest, f"{type(exc).__name__}: {exc}")


def _existing(mailbox: Mailbox, key: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(mailbox=mailbox, message_id=key).defer("raw").first()


def _transient(func: Any, *args: Any) -> Any:
    """``func(*args)``, a temporary failure of it raised as ``TemporaryFailure``."""
    try:
        return func(*args)
    except Exception as exc:
        if transient.is_temporary(exc):
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        raise


def _dead(mailbox: Mailbox, raw: bytes, digest: str, reason: str) -> IngestResult:
    letter = _transient(_store_dead, mailbox, raw, digest, reason)
    log.warning("dead letter in %s: %s", mailbox, reason)
    return IngestResult(Status.DEAD_LETTER, dead_letter=letter, reason=reason)


def _store_dead(mailbox: Mailbox, raw: bytes, digest: str, reason: str) -> DeadLetter:
    with transaction.atomic():
        letter, _created = DeadLetter.objects.get_or_create(
            mailbox=mailbox,
            sha256=digest,
            defaults={"raw": raw, "reason": reason[:5000], "created_at": clock.now()},
        )
    return letter


def _take_in(mailbox: Mailbox, raw: bytes, parsed: mail.ParsedMail, key: str) -> IngestResult:
    now = clock.now()
    check = mail.sender_check(parsed, trusted_authserv_ids())
    inbound = InboundMessage(
        mailbox=mailbox,
        message_id=key,
        from_address=parsed.from_address[:254],
        subject=parsed.subject[:500],
        raw=raw,
        outcome=InboundOutcome.AUTOMATIC,
        received_at=now,
        sender_check=check.state,
        sender_check_detail=check.detail[:300],
    )
    # One message of a mailbox at a time: a sender's first mails arriving in parallel make one customer,
    # and the acknowledgement window is checked against committed rows.
    Mailbox.objects.select_for_update().filter(pk=mailbox.pk).exists()
    try:
        with transaction.atomic():  # the unique row: the same message taken in before is a duplicate
            inbound.save()
    except IntegrityError:
        raise _Duplicate() from None

    own = own_addresses()
    if parsed.from_address in own:
        inbound.outcome = InboundOutcome.OWN
        inbound.save(update_fields=["outcome"])
        return IngestResult(Status.OWN, inbound=inbound)
    automatic = mail.is_automatic(parsed)
    customer = _customer_for(parsed, mailbox, create=not automatic)
    # an unverified sender (DMARC failed) never writes into an existing order: anyone can forge a From
    order = _thread_order(parsed, customer) if customer is not None and not check.unverified else None
    if automatic and order is None:
        # a bounce, an auto-reply or list mail that belongs to no order of the sender: kept, no order
        inbound.customer = customer
        inbound.save(update_fields=["customer"])
        return IngestResult(Status.AUTOMATIC, inbound=inbound)
    assert customer is not None
    files, refused = _files(parsed)
    body = _body(parsed, refused)
    if order is not None and automatic:
        # an auto-reply on an order: on the timeline for the agent, without resuming the order
        entry = wo_actions.add_entry(
            order,
            TimelineEntry.Kind.SYSTEM,
            body=body,
            data={"event": "automatic_mail", "from": parsed.from_address, "subject": parsed.subject},
            at=now,
        )
        status = Status.THREADED
    elif order is not None:
        entry = wo_actions.customer_message_on(order, customer, body, channel=Channel.EMAIL, files=files)
        status = Status.THREADED
    else:
        order, entry = _new_order(parsed, customer, body, files, check)
        status = Status.NEW_ORDER
    inbound.customer = customer
    inbound.workorder = order
    inbound.entry = entry
    inbound.outcome = InboundOutcome.THREADED if status == Status.THREADED else InboundOutcome.NEW_ORDER
    ack = None if automatic else _acknowledge(inbound, parsed, customer, order, now, check)
    inbound.acknowledgement = ack
    inbound.save(update_fields=["customer", "workorder", "entry", "outcome", "acknowledgement"])
    audit.record(
        None,
        "mail.inbound",
        inbound,
        after={
            "message_id": key,
            "from": parsed.from_address,
            "outcome": inbound.outcome,
            "sender_check": check.state,
            "sender_check_detail": check.detail[:300],
        },
        customer_id=customer.pk,
        workorder_id=order.pk,
        summary=parsed.subject[:200],
    )
    return IngestResult(status, inbound=inbound, order=order, acknowledgement=ack)


def _customer_for(parsed: mail.ParsedMail, mailbox: Mailbox, *, create: bool) -> Customer | None:
    address = parsed.from_address
    if not address:
        return None
    found = cust_actions.find_duplicates(email=address)
    if found:
        # serialises one sender's mail; NO KEY UPDATE so that other transactions' foreign-key checks on the
        # customer (a reply's new rows, at commit) do not wait for it — with FOR UPDATE, a reply holding the
        # order and this ingest waiting for the order deadlocked (bench/concurrency.py)
        return Customer.objects.select_for_update(no_key=True).get(pk=found[0].pk)
    if not create:
        return None
    now = clock.now()
    c = Customer(
        number=f"KH{next_value('customer'):08d}",
        name=(parsed.from_name or address.split("@", 1)[0])[:200],
        email=address,
        branch=mailbox.branch,
        customer_since=clock.localdate(),
        created_at=now,
        updated_at=now,
    )
    c.search_text = cust_actions.customer_search_text(c)
    c.save()
    search.sync(c)
    cust_actions._sync_contact_points(c)
    audit.record(
        None,
        "customer.create",
        c,
        after=audit.snapshot(c),
        customer_id=c.pk,
        summary=_("Customer %(name)s created from an e-mail") % {"name": c.name},
    )
    return c


def _thread_order(parsed: mail.ParsedMail, customer: Customer) -> WorkOrder | None:
    """The open order of this customer the message answers; a closed one is not reopened by e-mail."""
    key = mail.thread_key(parsed)
    candidates: list[int] = []
    if key.outbox_ids:
        by_outbox = dict(
            OutboxMessage.objects.filter(pk__in=key.outbox_ids, workorder__isnull=False).values_list(
                "pk", "workorder_id"
            )
        )
        candidates += [by_outbox[i] for i in key.outbox_ids if i in by_outbox]
    if key.order_numbers:
        candidates += list(
            WorkOrder.objects.filter(number__in=key.order_numbers).values_list("pk", flat=True)
        )
    for pk in candidates:
        o = WorkOrder.objects.select_for_update().filter(pk=pk, customer=customer).first()
        if o is not None and o.status != wo_rules.Status.CLOSED:
            return o
    return None


def _body(parsed: mail.ParsedMail, refused: list[str] | None = None) -> str:
    text = parsed.text.strip()
    if not text:
        text = _("(The e-mail has no text.)")
    if len(text) > MAX_BODY_CHARS:
        text = (
            text[: MAX_BODY_CHARS - 100].rstrip() + "\n\n" + _("[The e-mail was cut here; see the original.]")
        )
    if parsed.skipped:
        text += "\n\n" + _("Attachments not kept: %(list)s") % {"list": ", ".join(parsed.skipped)}
    if refused:
        text += "\n\n" + _("Attachments not accepted (file type not allowed): %(list)s") % {
            "list": ", ".join(refused)
        }
    return text[:MAX_BODY_CHARS]


def _files(parsed: mail.ParsedMail) -> tuple[list[ContentFile[bytes]], list[str]]:
    """The attachments to keep, and the names of those refused: the type sniffed from the bytes must be on
    ``KEFU_MEDIA_TYPES``, as for the media of every channel (docs/media.md)."""
    kept: list[ContentFile[bytes]] = []
    refused: list[str] = []
    for p in parsed.attachments:
        if not p.data:
            continue
        name = p.filename or "file"
        content_type = wo_actions.sniff_content_type(p.data[:8192], name)
        if media_rules.accepted(content_type, settings.KEFU_MEDIA_TYPES):
            kept.append(ContentFile(p.data, name=name))
        else:
            refused.append(f"{name} ({content_type})")
    return kept, refused


def _new_order(
    parsed: mail.ParsedMail, customer: Customer, body: str, files: list[Any], check: mail.SenderCheck
) -> tuple[WorkOrder, TimelineEntry]:
    title = " ".join(parsed.subject.split())[:200] or _("E-mail from %(sender)s") % {
        "sender": parsed.from_address
    }
    received = receive_request(
        customer,
        wo_actions.OrderInput(order_type=ORDER_TYPE, title=title, description=body, channel=Channel.EMAIL),
        refusal=ValidationFailed(
            "no_receiver", _("Nobody in the branch can receive the e-mail (no agent or supervisor).")
        ),
        receiver_event="mail_receiver",
        message=body,
        files=files,
        # shown on the order page: the sender may not be who the From says
        system_entries=[
            {
                "event": "mail_unverified",
                "sender_check": SenderVerification.FAIL.value,
                "from": parsed.from_address,
                "domain": check.domain,
                "detail": check.detail[:300],
            }
        ]
        if check.unverified
        else [],
    )
    assert received.entry is not None
    return received.order, received.entry


def _acknowledge(
    inbound: InboundMessage,
    parsed: mail.ParsedMail,
    customer: Customer,
    order: WorkOrder,
    now: dt.datetime,
    check: mail.SenderCheck,
) -> OutboxMessage | None:
    """The order number and our standard text, nothing of the sender's (no subject, no name, no links):
    the From address may be forged, and an acknowledgement that repeats the subject would deliver a
    spammer's text to it."""
    recipient = parsed.from_address
    recent = OutboxMessage.objects.filter(
        channel=OutboxChannel.EMAIL,
        recipient=recipient,
        idempotency_key__startswith="mail-ack:",
        created_at__gte=now - ack_window(),
    )
    if recent.exists():
        return None
    # in the customer's language, not in that of whoever runs the intake
    with translation.override(customer.language_code):
        subject = _("[%(number)s] We have received your e-mail") % {"number": order.number}
        body = _(
            "Hello,\n\n"
            "we have received your e-mail and registered it under the number %(number)s. "
            "A member of our staff will answer you personally. "
            "Please keep the number in the subject when you write to us about this matter.\n\n"
            "This message was sent automatically."
        ) % {"number": order.number}
    headers: dict[str, Any] = {}
    if not check.unverified and inbound.message_id and not inbound.message_id.startswith("sha256:"):
        # threads under the customer's message in their mail program (RFC 5322 3.6.4)
        mid = inbound.message_id.strip()
        headers["In-Reply-To"] = headers["References"] = mid if mid.startswith("<") else f"<{mid}>"
    row, _created = outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=recipient,
        subject=subject,
        body=body,
        idempotency_key=f"mail-ack:{inbound.pk}",
        customer=customer,
        workorder=order,
        headers=headers,
    )
    return row


def purge_raw(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Empty the raw message of inbound e-mail older than its retention period (the "raw_email" row of the
    retention table, by default ``KEFU_MAIL_RAW_RETENTION_DAYS``; 0 keeps them forever) and of resolved
    dead letters as old; open dead letters keep theirs. In batches, each its own short transaction (the
    retention job runs ``purge_raw_batch`` itself, with its run log). Returns how many rows were emptied."""
    before = retention_cutoff("raw_email", now)
    if before is None:
        return 0
    total = 0
    while True:
        with transaction.atomic():
            done = purge_raw_batch(before, batch)
        if not done:
            break
        total += done
    return total


def purge_raw_batch(before: dt.datetime, limit: int) -> int:
    """One batch of ``purge_raw``: at most ``limit`` inbound messages received before ``before`` and the
    resolved dead letters as old lose their raw bytes; inside the caller's transaction."""
    ids = pick(InboundMessage.objects.filter(raw_purged=False, received_at__lt=before), limit)
    total = InboundMessage.objects.filter(pk__in=ids).update(raw=b"", raw_purged=True)
    dead = pick(DeadLetter.objects.filter(resolved=True, created_at__lt=before).exclude(raw=b""), limit)
    return total + DeadLetter.objects.filter(pk__in=dead).update(raw=b"")

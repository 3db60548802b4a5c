"""Outbox: enqueue messages to customers inside the caller's transaction; a worker sends them after commit.

Guarantees (R-6; docs/design/outbox.md):

- ``enqueue`` must run inside the transaction of the change that caused the message, so a rolled-back
  action leaves no row and sends nothing. The idempotency key is UNIQUE: enqueueing the same key twice
  returns the first row.
- ``send_due`` claims due rows with one conditional ``UPDATE … WHERE status IN (queued, failed) AND
  next_attempt_at <= now`` per row (candidates picked with ``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL), so with any number of workers each row is handed to exactly one of them.
- A transport error puts the row back as ``failed`` with exponential back-off
  (``KEFU_OUTBOX_RETRY_SECONDS`` × 2^(attempts−1), at most 6 hours); after ``KEFU_OUTBOX_MAX_ATTEMPTS``
  attempts it is ``dead`` and shown in the admin, where "retry now" queues it again. A transport that
  knows a retry cannot help (``errors.PermanentFailure``: e.g. WeCom does not know the recipient) makes
  it ``dead`` at once, with the provider's reason.
- At most once: a row whose worker died while sending (claim expired in ``sending``) is not sent again
  automatically, because the message may have left; it becomes ``dead`` with that reason for a person
  to check and retry.
- Each sent e-mail or SMS is written to the customer's contact history (outbound) in the transaction
  that marks it sent.
- Every row has a message class (``MessageClass``: service, reminder, marketing, staff). At send time a
  reminder or marketing message to a number or address that opted out of its class, or marketing to a
  customer without consent, is not handed to a transport: the row becomes ``suppressed`` with the reason
  (``consent.suppression``). An SMS of those classes carries the opt-out text, a bulk e-mail the
  ``List-Unsubscribe`` one-click headers (RFC 8058; ``kefu.channels.outbox.consent``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.message
import email.policy
import email.utils
import hashlib
import logging
import re
import traceback
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q

from kefu.audit import log as audit
from kefu.channels.models import MessageClass, OutboxChannel, OutboxMessage, OutboxStatus
from kefu.channels.outbox import consent
from kefu.channels.outbox.errors import PermanentFailure
from kefu.channels.outbox.sms import HttpSmsTransport
from kefu.channels.outbox.wecom import WecomTransport
from kefu.customers.actions import record_contact
from kefu.customers.models import Contact
from kefu.lib import batch, clock
from kefu.organization.access import Actor

log = logging.getLogger("kefu.outbox")

# A claimed batch must be sent well within the lease (batch × EMAIL_TIMEOUT); an expired claim is never
# resent automatically, so a long lease only delays how soon a crashed send shows up as dead.
CLAIM_LEASE = dt.timedelta(hours=1)
BATCH = 20
MAX_BACKOFF = dt.timedelta(hours=6)
INTERRUPTED = "interrupted while sending: delivery unknown, not retried automatically (at most once)"


def enqueue(
    *,
    channel: str,
    recipient: str,
    body: str,
    idempotency_key: str,
    subject: str = "",
    html_body: str = "",
    customer: Any = None,
    workorder: Any = None,
    headers: dict[str, Any] | None = None,
    log_contact: bool = True,
    template: dict[str, Any] | None = None,
    not_before: dt.datetime | None = None,
    message_class: str = MessageClass.SERVICE,
    new_key: bool = False,
) -> tuple[OutboxMessage, bool]:
    """Queue one message in the caller's transaction. Returns ``(row, created)``; an existing key wins.
    ``not_before`` defers the first attempt (e.g. a staff notification held back by quiet hours).
    ``message_class`` says whether the recipient may refuse it (``MessageClass``; service by default —
    name reminder or marketing for anything the customer did not ask for and the company need not send):
    an SMS of a refusable class gets the opt-out text of the customer's language here. On the
    simulated clock (``kefu.lib.clock.simulated``: history played by the demo loader) the row is recorded
    as sent at that time and never handed to a transport. ``new_key``: the caller knows the key cannot
    exist yet (it names a row inserted in this same transaction, e.g. ``reply:<entry>``): one INSERT
    instead of a look-up, a savepoint and the insert (the unique key still refuses a duplicate); inside
    ``kefu.lib.batch.deferred()`` that INSERT joins the action's other writes (the row's id is set when the
    batch is written, and a duplicate key fails the whole batch, so the action rolls back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must be called inside the transaction of the change")
    if channel not in OutboxChannel.values:
        raise ValueError(f"unknown outbox channel {channel!r}")
    if message_class not in MessageClass.values:
        raise ValueError(f"unknown message class {message_class!r}")
    if channel == OutboxChannel.SMS:
        body = consent.sms_body(body, message_class, customer.language_code if customer is not None else None)
    now = clock.now()
    # history being played (the demo data): the message belongs to the past, recorded as sent then; a
    # first start does not send months-old replies, invitations and notices today
    past = {"status": OutboxStatus.SENT, "sent_at": now} if clock.is_simulated() else {}
    fields = {
        **past,
        "channel": channel,
        "recipient": recipient,
        "subject": subject[:300],
        "body": body,
        "html_body": html_body if channel == OutboxChannel.EMAIL else "",
        "customer": customer,
        "workorder": workorder,
        "headers": headers or {},
        "log_contact": log_contact,
        "template": template or {},
        "message_class": message_class,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    if new_key:
        row = OutboxMessage(idempotency_key=idempotency_key[:200], **fields)
        if not batch.defer_insert([row]):
            row.save(force_insert=True)
        return row, True
    return OutboxMessage.objects.get_or_create(idempotency_key=idempotency_key[:200], defaults=fields)


# --- transports ----------------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class _Wire:
    """What Django's SMTP backend needs from ``message()``: ``as_bytes(linesep=...)``."""

    def __init__(self, msg: email.message.EmailMessage) -> None:
        self.msg = msg

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.msg.as_bytes(unixfrom, policy=self.msg.policy.clone(linesep=linesep))


class OutboxEmail(EmailMessage):
    """Built with the standard library's modern e-mail API (``email.policy.SMTP``): RFC 2047 encoded
    UTF-8 headers that decode without the stray leading space Django's compat32 folding leaves in long
    CJK subjects, and a base64 UTF-8 body; with ``html_body`` a ``multipart/alternative`` of both."""

    html_body = ""

    def message(self) -> Any:  # type: ignore[override]
        msg = email.message.EmailMessage(policy=email.policy.SMTP)
        msg["Subject"] = self.subject
        msg["From"] = self.from_email
        msg["To"] = ", ".join(self.to)
        msg["Date"] = email.utils.formatdate(localtime=False)
        for name, value in self.extra_headers.items():
            msg[name] = value
        msg.set_content(self.body, charset="utf-8", cte="base64")
        if self.html_body:  # multipart/alternative: the plain text first, the HTML (sanitised) preferred
            msg.add_alternative(self.html_body, subtype="html", charset="utf-8", cte="base64")
        return _Wire(msg)


def _email(message: OutboxMessage) -> OutboxEmail:
    mail = OutboxEmail(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={
            # the same Message-ID on every attempt, so a receiving system can drop a duplicate
            "Message-ID": message_id(message),
            **threading_headers(message),
            # reminders and marketing: the one-click unsubscribe (RFC 8058)
            **consent.list_unsubscribe_headers(message),
        },
    )
    mail.html_body = message.html_body
    return mail


def message_id(message: OutboxMessage) -> str:
    """The Message-ID of an outbox e-mail (stable across attempts; ``mail.OUTBOX_MSGID_RE`` reads it back)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "kefu.invalid"
    return f"<outbox-{message.pk}.{_key_hash(message)}@{domain}>"


def threading_headers(message: OutboxMessage) -> dict[str, str]:
    """In-Reply-To/References of a reply written by a person; ``Auto-Submitted`` on everything else."""
    stored = message.headers or {}
    out = {k: str(stored[k])[:2000] for k in ("In-Reply-To", "References") if stored.get(k)}
    if not stored.get("human"):
        out["Auto-Submitted"] = "auto-generated"
    return out


def _key_hash(message: OutboxMessage) -> str:
    return hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:12]


class FileTransport:
    """Development default: writes each message to ``KEFU_OUTBOX_DIR`` (.eml for e-mail, .txt otherwise)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.KEFU_OUTBOX_DIR)

    def send(self, message: OutboxMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{message.pk:08d}-{message.channel}-{_key_hash(message)}"
        if message.channel == OutboxChannel.EMAIL:
            (self.directory / f"{stem}.eml").write_bytes(_email(message).message().as_bytes())
        else:
            text = f"To: {message.recipient}\nSubject: {message.subject}\n\n{message.body}\n"
            (self.directory / f"{stem}.txt").write_text(text, encoding="utf-8")


class SmtpTransport:
    """E-mail through Django's SMTP backend with the EMAIL_* settings."""

    def send(self, message: OutboxMessage) -> None:
        conn = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
        conn.open()
        try:
            conn.send_messages([_email(message)])
        finally:
            # the server has the message once DATA is answered: an error while saying goodbye (QUIT) must
            # not mark it failed and send it again
            with contextlib.suppress(Exception):
                conn.close()


class ConsoleTransport:
    """One log line per message (the default for SMS without a gateway; also allowed for e-mail)."""

    def send(self, message: OutboxMessage) -> None:
        log.info(
            "%s to %s: %s",
            {"email": "E-mail", "wecom": "WeCom"}.get(str(message.channel), "SMS"),
            message.recipient,
            re.sub(r"\s+", " ", message.body)[:500],
        )


class PrintTransport:
    """Print-only notices are handed over on paper (the printable page); nothing leaves the system."""

    def send(self, message: OutboxMessage) -> None:
        return None


TRANSPORTS: dict[str, type[Any]] = {
    "file": FileTransport,
    "smtp": SmtpTransport,
    "console": ConsoleTransport,
    "http": HttpSmsTransport,  # SMS only: the signed-HTTP gateway (kefu.channels.sms)
    "api": WecomTransport,  # WeCom only: application messages (kefu.channels.outbox.wecom)
}


def transport_for(channel: str) -> Transport:
    if channel == OutboxChannel.PRINT:
        return PrintTransport()
    names: dict[str, str] = {
        OutboxChannel.EMAIL.value: settings.KEFU_OUTBOX_EMAIL_TRANSPORT,
        OutboxChannel.WECOM.value: settings.KEFU_OUTBOX_WECOM_TRANSPORT,
    }
    name = names.get(str(channel), settings.KEFU_OUTBOX_SMS_TRANSPORT)
    try:
        return TRANSPORTS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise ValueError(f"unknown outbox transport {name!r} for {channel}") from None


# --- claiming and sending --------------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    return Q(status__in=[OutboxStatus.QUEUED, OutboxStatus.FAILED], next_attempt_at__lte=now)


def expire_interrupted(now: dt.datetime | None = None) -> int:
    """Rows left in ``sending`` by a worker that died: delivery unknown, so give up (at most once)."""
    now = now or clock.now()
    return OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_until__lt=now).update(
        status=OutboxStatus.DEAD, claimed_until=None, last_error=INTERRUPTED
    )


def claim_due(limit: int = BATCH, now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Hand up to ``limit`` due rows to this worker; a row goes to exactly one worker."""
    now = now or clock.now()
    won: list[int] = []
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        candidates = list(qs.values_list("id", flat=True)[:limit])
        for pk in candidates:
            # the WHERE is evaluated again under the row lock: a row another worker took no longer matches
            if (
                OutboxMessage.objects.filter(_due(now), pk=pk).update(
                    status=OutboxStatus.SENDING,
                    claimed_until=now + CLAIM_LEASE,
                    attempts=F("attempts") + 1,
                )
                == 1
            ):
                won.append(pk)
    return list(
        OutboxMessage.objects.filter(pk__in=won).select_related("customer", "workorder").order_by("id")
    )


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: base × 2^(attempts−1), capped."""
    base = dt.timedelta(seconds=settings.KEFU_OUTBOX_RETRY_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _mark_sent(message: OutboxMessage) -> None:

    now = clock.now()
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SENT, sent_at=now, claimed_until=None, last_error=""
        )
        if (
            updated
            and message.log_contact
            and message.customer is not None
            and message.channel != OutboxChannel.PRINT
        ):
            record_contact(
                message.customer,
                message.channel,
                workorder=message.workorder,
                direction=Contact.Direction.OUTBOUND,
                summary=message.subject or message.body,
                details={"outbox_id": message.pk, "recipient": message.recipient},
                at=now,
            )


def _mark_failed(message: OutboxMessage, error: str, *, permanent: bool = False) -> None:
    now = clock.now()
    attempts = OutboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).get()
    if permanent or attempts >= settings.KEFU_OUTBOX_MAX_ATTEMPTS:
        fields: dict[str, Any] = {"status": OutboxStatus.DEAD}
    else:
        fields = {"status": OutboxStatus.FAILED, "next_attempt_at": now + backoff(attempts)}
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        claimed_until=None, last_error=error[-4000:], **fields
    )


def _mark_suppressed(message: OutboxMessage, reason: str) -> None:
    """Not handed to a transport (opted out, or marketing without consent): final, the attempt undone."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SUPPRESSED, claimed_until=None, last_error=reason, attempts=F("attempts") - 1
    )
    log.info("outbox %s to %s %s", message.pk, message.recipient, reason)


def send_one(message: OutboxMessage) -> bool:
    """Send a claimed row; returns whether it went out."""
    if message.claimed_until is None or clock.now() >= message.claimed_until:
        # too late: give the unsent row back instead of racing expire_interrupted
        _give_back([message.pk])
        return False
    # consent is checked now, not when queued: an opt-out that arrived in between counts
    reason = consent.suppression(message)
    if reason:
        _mark_suppressed(message, reason)
        return False
    try:
        transport_for(message.channel).send(message)
    except PermanentFailure as exc:
        log.warning("outbox %s to %s given up: %s", message.pk, message.recipient, exc)
        _mark_failed(message, f"permanent: {exc}", permanent=True)
        return False
    except Exception as exc:
        log.warning("outbox %s to %s failed: %s", message.pk, message.recipient, exc)
        _mark_failed(message, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
        return False
    _mark_sent(message)
    return True


def _give_back(pks: list[int]) -> None:
    """Claimed rows that were never handed to a transport: queued again, the claim's attempt undone."""
    OutboxMessage.objects.filter(pk__in=pks, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED, claimed_until=None, attempts=F("attempts") - 1
    )


def send_due(limit: int = BATCH, budget: dt.timedelta = dt.timedelta(seconds=60)) -> int:
    """Expire interrupted sends, then claim and send batches of ``limit`` until nothing is due or the
    time ``budget`` is spent (well inside the job's lease). Returns how many went out.

    If sending stops with an error (e.g. the database fails while marking a row sent), the rest of the
    batch, not yet handed to a transport, is given back: only the row being sent can end up ``dead`` as
    interrupted."""
    expire_interrupted()
    deadline = clock.now() + budget
    sent = 0
    while True:
        batch = claim_due(limit)
        for i, message in enumerate(batch):
            try:
                sent += send_one(message)
            except BaseException:
                _give_back([m.pk for m in batch[i + 1 :]])
                raise
        if len(batch) < limit or clock.now() >= deadline:
            return sent


@transaction.atomic
def retry_now(user: Actor, ids: list[int]) -> int:
    """Admin "retry now": failed or dead rows are queued again for one more attempt at once (logged)."""

    count = OutboxMessage.objects.filter(
        pk__in=ids, status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD]
    ).update(status=OutboxStatus.QUEUED, next_attempt_at=clock.now(), claimed_until=None)
    if count:
        audit.record(
            user,
            "outbox.retry",
            object_type=OutboxMessage._meta.label_lower,
            object_id=",".join(map(str, ids))[:100],
            summary=f"{count} message(s) queued again",
        )
    return count

"""Webhook deliveries: recorded in the transaction of the event (``enqueue``), sent by the job runner after
commit (``send_due``), signed, retried with back-off and jitter, logged attempt by attempt; a webhook that fails
``KEFU_WEBHOOK_DISABLE_AFTER`` times in a row is disabled and the administrators are told (docs/webhooks.md).

At least once, never twice in the ordinary run: a row is claimed by one worker (``SKIP LOCKED`` on PostgreSQL)
and marked delivered when the receiver answered 2xx. Only a worker that dies between the receiver's answer
and that mark leaves a claim that expires and is sent again — with the same ``Kefu-Event-Id``, which the
receiver uses to drop the repeat."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.automation import payloads, rules
from kefu.automation.models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook
from kefu.automation.registry import Context
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.models import Staff
from kefu.workorders import hooks

log = logging.getLogger("kefu.automation")

BATCH = 20  # × KEFU_WEBHOOK_TIMEOUT stays well inside LEASE
USER_AGENT = "Kefu-Webhooks/1"


# --- recording (inside the transaction of the event) -------------------------------------------------------


def subscribed(ctx: Context) -> list[Webhook]:
    """The enabled webhooks that take this event for the order's branch."""
    return [
        w
        for w in Webhook.objects.filter(active=True, disabled_at__isnull=True).filter(
            Q(branch__isnull=True) | Q(branch_id=ctx.order.branch_id)
        )
        if ctx.event in (w.events or [])
    ]


def enqueue_subscribed(ctx: Context) -> int:
    hooks_ = subscribed(ctx)
    for w in hooks_:
        enqueue(w, ctx)
    return len(hooks_)


def enqueue(webhook: Webhook, ctx: Context) -> Delivery | None:
    """One delivery of this event to ``webhook`` (a second one — a trigger's "call webhook" for an event the
    webhook is subscribed to anyway — is not recorded: one delivery per event and webhook)."""
    if Delivery.objects.filter(webhook=webhook, event_id=ctx.event_id, replay_of__isnull=True).exists():
        return None
    body = payloads.encode(payloads.build(ctx))
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                webhook=webhook,
                event_id=ctx.event_id,
                event_type=rules.event_type(ctx.event),
                workorder_id=ctx.order.pk,
                body=body,
                next_attempt_at=ctx.at,
                created_at=ctx.at,
            )
    except IntegrityError:
        return None


def enqueue_ping(webhook: Webhook, at: dt.datetime) -> Delivery:
    """A ``ping`` event (the "send test event" button): shows whether the receiver answers and verifies."""
    import uuid

    event_id = str(uuid.uuid4())
    body = payloads.encode(
        {
            "schema": rules.SCHEMA,
            "id": event_id,
            "type": "ping",
            "occurred_at": at.isoformat().replace("+00:00", "Z"),
            "data": {"webhook": {"id": webhook.pk, "name": webhook.name}},
        }
    )
    return Delivery.objects.create(
        webhook=webhook, event_id=event_id, event_type="ping", body=body, next_attempt_at=at, created_at=at
    )


# --- where it may go -------------------------------------------------------------------------------------


def allowance() -> rules.Allowance:
    return rules.Allowance.parse(settings.KEFU_WEBHOOK_ALLOW_HOSTS, debug=settings.DEBUG)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    ips: tuple[str, ...]


def resolve(url: str, *, field: str = "url") -> Target:
    """The URL checked against server-side request forgery: https (plain http only where allowed), a host
    whose every address is public unless the host or address is allowed (KEFU_WEBHOOK_ALLOW_HOSTS)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("invalid_url", _("Enter a valid URL."), field) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValidationFailed("invalid_url", _("Enter an https:// URL without a user name."), field)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationFailed(
            "unresolvable", _("The host name of this URL cannot be resolved."), field
        ) from None
    ips = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    allow = allowance()
    for ip in ips:
        why = rules.address_refusal(ip, allow, host)
        if why:
            raise ValidationFailed(
                "forbidden_address",
                _(
                    "This URL points to a private or loopback address (%(ip)s); webhooks go to public addresses only."
                )
                % {"ip": ip},
                field,
            )
    if rules.scheme_refusal(parts.scheme, host, list(ips), allow):
        raise ValidationFailed("https_required", _("Webhook URLs must use https://."), field)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, ips)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One POST, no redirects followed; what came back or why nothing did."""
    start = time.monotonic()
    try:
        target = resolve(url)
    except ValidationFailed as exc:
        return Outcome(None, 0, "", str(exc.message)[:500])
    cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    conn = cls(target.host, target.port, target.ips[0], timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read(2048).decode("utf-8", "replace")
        return Outcome(resp.status, int((time.monotonic() - start) * 1000), rules.excerpt(text), "")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, int((time.monotonic() - start) * 1000), "", f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()


def headers_for(d: Delivery, w: Webhook, now: dt.datetime) -> dict[str, str]:
    ts = int(now.timestamp())
    secrets = [w.secret]
    if w.previous_secret and w.previous_secret_until and w.previous_secret_until > now:
        secrets.append(w.previous_secret)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        rules.SIGNATURE_HEADER: rules.signature_header(secrets, ts, d.body.encode()),
        "Kefu-Event-Id": str(d.event_id),
        "Kefu-Event-Type": d.event_type,
        "Kefu-Delivery-Id": str(d.pk),
        "Kefu-Schema": rules.SCHEMA,
    }


# --- sending (the job) -----------------------------------------------------------------------------------

LEASE = dt.timedelta(minutes=15)


def _due(now: dt.datetime) -> Q:
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
    interrupted = Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)  # a worker died: send again
    return (waiting | interrupted) & Q(webhook__active=True, webhook__disabled_at__isnull=True)


def claim_due(limit: int = BATCH, now: dt.datetime | None = None) -> list[Delivery]:
    now = now or clock.now()
    won: list[int] = []
    with transaction.atomic():
        qs = Delivery.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        for pk in list(qs.values_list("id", flat=True)[:limit]):
            if (
                Delivery.objects.filter(_due(now), pk=pk).update(
                    status=DeliveryStatus.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1
                )
                == 1
            ):
                won.append(pk)
    return list(Delivery.objects.filter(pk__in=won).select_related("webhook").order_by("id"))


def send_one(d: Delivery) -> bool:
    w = d.webhook
    now = clock.now()
    if Webhook.objects.filter(pk=w.pk).filter(Q(active=False) | Q(disabled_at__isnull=False)).exists():
        # disabled by an earlier row of this batch: back to waiting, the claim's attempt undone
        Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, claimed_until=None, attempts=F("attempts") - 1
        )
        return False
    out = post(w.url, d.body.encode(), headers_for(d, w, now), settings.KEFU_WEBHOOK_TIMEOUT)
    ok = rules.is_success(out.status_code)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=d,
            at=now,
            status_code=out.status_code,
            duration_ms=out.duration_ms,
            response_excerpt=out.excerpt,
            error=out.error,
        )
        fields: dict[str, Any] = {"claimed_until": None, "last_status_code": out.status_code}
        if ok:
            fields.update(status=DeliveryStatus.DELIVERED, delivered_at=clock.now(), last_error="")
        else:
            error = out.error or _("HTTP %(status)s") % {"status": out.status_code}
            fields["last_error"] = error[:500]
            if d.attempts >= settings.KEFU_WEBHOOK_MAX_ATTEMPTS:
                fields["status"] = DeliveryStatus.GIVEN_UP
            else:
                delay = rules.backoff_seconds(d.attempts, settings.KEFU_WEBHOOK_RETRY_SECONDS)
                fields.update(status=DeliveryStatus.FAILED, next_attempt_at=now + dt.timedelta(seconds=delay))
        Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.SENDING).update(**fields)
        if ok:
            Webhook.objects.filter(pk=w.pk).update(consecutive_failures=0)
        else:
            _count_failure(w, now)
    return ok


def _count_failure(w: Webhook, now: dt.datetime) -> None:
    Webhook.objects.filter(pk=w.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = Webhook.objects.filter(pk=w.pk).values_list("consecutive_failures", flat=True).get()
    limit = settings.KEFU_WEBHOOK_DISABLE_AFTER
    if limit <= 0 or failures < limit:
        return
    reason = _("Disabled after %(n)d failed deliveries in a row.") % {"n": failures}
    if not Webhook.objects.filter(pk=w.pk, disabled_at__isnull=True).update(
        disabled_at=now, disabled_reason=reason
    ):
        return
    audit.record(None, "webhook.disabled", w, after={"failures": failures, "url": w.url}, summary=w.name)
    admins = Staff.objects.filter(role="admin", is_active=True).values_list("pk", flat=True)
    hooks.staff_event(
        hooks.StaffEventKind.WEBHOOK_DISABLED,
        list(admins),
        at=now,
        name=w.name,
        failures=failures,
        webhook=w.pk,
    )
    log.warning("webhook %s (%s) disabled after %s failures", w.pk, w.url, failures)


def send_due(limit: int = BATCH, budget: dt.timedelta = dt.timedelta(seconds=60)) -> int:
    """Claim and send batches until nothing is due or ``budget`` is spent; returns how many were delivered."""
    deadline = clock.now() + budget
    delivered = 0
    while True:
        batch = claim_due(limit)
        for d in batch:
            delivered += send_one(d)
        if len(batch) < limit or clock.now() >= deadline:
            return delivered


def prune(now: dt.datetime | None = None) -> int:
    """The log keeps ``KEFU_WEBHOOK_LOG_DAYS`` days of finished deliveries."""
    cutoff = (now or clock.now()) - dt.timedelta(days=settings.KEFU_WEBHOOK_LOG_DAYS)
    finished = [DeliveryStatus.DELIVERED, DeliveryStatus.GIVEN_UP]
    waiting_replays = Delivery.objects.filter(replay_of__isnull=False).exclude(status__in=finished)
    _n, per_model = (
        Delivery.objects.filter(created_at__lt=cutoff, status__in=finished)
        .exclude(pk__in=waiting_replays.values("replay_of_id"))
        .delete()
    )
    return per_model.get(Delivery._meta.label, 0)  # deliveries, not counting their attempts

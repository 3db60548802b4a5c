"""Fetching channel media into the order's attachments (docs/media.md).

A channel adapter records the customer's message first (its text, or "(Image)" for a photo without text)
and then calls :func:`queue` with the media the message announced: one ``MediaFetch`` row each, keyed by
(channel, message id, position) so a redelivered message adds nothing. :func:`fetch` downloads one row
through the gateway's media API (the fetcher registered for its ``source``: ``wecom`` → ``media/get``,
``sms`` → the SMS gateway's media URL), limited to ``KEFU_MEDIA_MAX_BYTES``; the type is sniffed from the
bytes and must be on ``KEFU_MEDIA_TYPES``. Accepted media become an attachment of the message (public: the
customer sent it); refused media (too large, a type not accepted) and media given up after
``KEFU_MEDIA_FETCH_ATTEMPTS`` leave a system entry on the timeline saying so. A download that fails is
retried by the job ``media.fetch`` (every minute) after a growing pause. The message itself is never lost.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.media import rules
from kefu.media.models import FetchState, MediaFetch
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import TimelineEntry, WorkOrder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaRef:
    """One media item of a message: the fetcher (``source``), its reference there, what the channel called
    it (image, file, voice, video) and the file name it gave, if any."""

    source: str
    ref: str
    kind: str
    filename: str = ""


class FetchFailed(Exception):
    """The gateway could not be reached or answered with an error: try again later."""


class FetchRefused(Exception):
    """The media will never be accepted (too large, a type not on the allow-list, gone at the gateway)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


# source → a function giving the request (URL and headers) for one media reference
Fetcher = Callable[[str], tuple[str, dict[str, str]]]
_FETCHERS: dict[str, Fetcher] = {}


def register_fetcher(source: str, fn: Fetcher) -> None:
    _FETCHERS[source] = fn


def max_bytes() -> int:
    return int(getattr(settings, "KEFU_MEDIA_MAX_BYTES", 10 * 1024 * 1024))


def queue(
    order: WorkOrder, entry: TimelineEntry | None, *, channel: str, message_id: str, refs: list[MediaRef]
) -> list[MediaFetch]:
    """One pending fetch per media item of the message (inside the caller's transaction)."""
    now = clock.now()
    rows = []
    for position, ref in enumerate(refs):
        row, _created = MediaFetch.objects.get_or_create(
            channel=channel,
            message_id=message_id[:200],
            position=position,
            defaults={
                "workorder": order,
                "entry": entry,
                "source": ref.source,
                "media_ref": ref.ref[:500],
                "kind": ref.kind[:20],
                "filename": ref.filename[:200],
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        rows.append(row)
    return rows


def download(url: str, headers: dict[str, str], limit: int) -> tuple[bytes, str]:
    """The body (at most ``limit`` bytes, else ``FetchRefused("too_large")``) and the declared type."""
    if not url.startswith(("http://", "https://")):
        raise FetchFailed(f"not an http(s) URL: {url[:80]!r}")
    req = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 (scheme checked above)
    timeout = int(getattr(settings, "KEFU_MEDIA_FETCH_TIMEOUT", 20))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdecimal() and int(declared) > limit:
                raise FetchRefused("too_large", f"{declared} bytes")
            data = resp.read(limit + 1)
            ctype = str(resp.headers.get("Content-Type") or "")
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise FetchRefused("gone", f"HTTP {exc.code}") from exc
        raise FetchFailed(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchFailed(f"unreachable: {exc}") from exc
    if len(data) > limit:
        raise FetchRefused("too_large", f"over {limit} bytes")
    if not data:
        raise FetchFailed("empty answer")
    if ctype.startswith(("application/json", "text/json")) and data.lstrip()[:1] == b"{":
        # the media APIs answer an error (expired token, unknown media id) as JSON
        raise FetchFailed(f"gateway error: {data[:200].decode('utf-8', 'replace')}")
    return data, ctype


def fetch(row_id: int) -> MediaFetch:
    """Try one pending fetch now (outside a transaction: the download holds no lock)."""
    row = MediaFetch.objects.get(pk=row_id)
    if row.state != FetchState.PENDING:
        return row
    try:
        fetcher = _FETCHERS.get(row.source)
        if fetcher is None:
            raise FetchFailed(f"no fetcher for {row.source!r}")
        url, headers = fetcher(row.media_ref)
        data, _declared = download(url, headers, max_bytes())
        content_type = wo_actions.sniff_content_type(data[:8192], row.filename)
        if not rules.accepted(content_type, settings.KEFU_MEDIA_TYPES):
            raise FetchRefused("type", content_type)
    except FetchRefused as exc:
        return _finish(row, FetchState.REFUSED, exc.reason, exc.detail)
    except FetchFailed as exc:
        return _retry(row, str(exc))
    except Exception as exc:  # a fetcher's own failure (e.g. the chat token): retried like a download
        log.warning("media fetch %s failed: %s", row.pk, exc)
        return _retry(row, f"{type(exc).__name__}: {exc}")
    name = rules.file_name(row.filename, row.kind, row.message_id, content_type)
    with transaction.atomic():
        row = MediaFetch.objects.select_for_update().get(pk=row.pk)
        if row.state != FetchState.PENDING:  # another worker was faster
            return row
        order = WorkOrder.objects.select_for_update().get(pk=row.workorder_id)
        att = wo_actions.attach_file(None, order, ContentFile(data, name=name), entry=row.entry, public=True)
        row.state = FetchState.DONE
        row.attachment = att
        row.attempts += 1
        row.done_at = clock.now()
        row.last_error = ""
        row.save(update_fields=["state", "attachment", "attempts", "done_at", "last_error"])
    return row


def _retry(row: MediaFetch, error: str) -> MediaFetch:
    attempts = row.attempts + 1
    if attempts >= int(getattr(settings, "KEFU_MEDIA_FETCH_ATTEMPTS", 6)):
        row.attempts = attempts
        return _finish(row, FetchState.FAILED, "unreachable", error)
    MediaFetch.objects.filter(pk=row.pk, state=FetchState.PENDING).update(
        attempts=attempts, next_attempt_at=clock.now() + rules.next_pause(attempts), last_error=error[:300]
    )
    row.refresh_from_db()
    return row


def _finish(row: MediaFetch, state: str, reason: str, detail: str) -> MediaFetch:
    """Refused or given up: the timeline says so (the message itself is there already)."""
    now = clock.now()
    with transaction.atomic():
        locked = MediaFetch.objects.select_for_update().get(pk=row.pk)
        if locked.state != FetchState.PENDING:
            return locked
        order = WorkOrder.objects.select_for_update().get(pk=locked.workorder_id)
        locked.state = state
        locked.attempts = max(locked.attempts, row.attempts)
        locked.last_error = f"{reason}: {detail}"[:300]
        locked.done_at = now
        locked.save(update_fields=["state", "attempts", "last_error", "done_at"])
        wo_actions.add_entry(
            order,
            TimelineEntry.Kind.SYSTEM,
            data={
                "event": "media_refused" if state == FetchState.REFUSED else "media_failed",
                "reason": reason,
                "kind": locked.kind,
                "detail": detail[:100],
                "message": locked.entry_id,
            },
            at=now,
        )
        audit.record(
            None,
            f"media.{state}",
            locked,
            after={"reason": reason, "detail": detail[:100], "channel": locked.channel},
            customer_id=order.customer_id,
            workorder_id=order.pk,
        )
    return locked


def fetch_now(rows: list[MediaFetch]) -> list[MediaFetch]:
    """The first attempt, right after the message was stored (the intake's request); what fails stays
    pending for the job."""
    return [fetch(r.pk) if r.state == FetchState.PENDING else r for r in rows]


def run_due(limit: int = 50) -> int:
    """Fetch the pending rows whose next attempt is due; the number tried."""
    ids = list(
        MediaFetch.objects.filter(state=FetchState.PENDING, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        try:
            fetch(pk)
        except IntegrityError:  # pragma: no cover - a concurrent worker
            continue
    return len(ids)


def fetch_out(row: MediaFetch) -> dict[str, Any]:
    """What an intake answers about one media item."""
    return {
        "kind": row.kind,
        "state": row.state,
        "attachment_id": row.attachment_id,
        "error": row.last_error,
    }

"""IMAP poller (R-5): fetch the unseen mail of every active mailbox and take each message in.

Per folder: ``UID SEARCH UNSEEN``, then for each UID ``FETCH BODY.PEEK[]`` (does not set \\Seen),
``email_in.ingest`` (its own transaction), and only then ``STORE +FLAGS (\\Seen)``. A crash between the
commit and the flag leaves the message unseen; the next fetch takes it in again and ``ingest`` finds the
same (mailbox, Message-ID): exactly one order. A message that cannot be taken in is a dead letter and is
marked seen too, so it never blocks the mailbox. A connection or login error is kept on the mailbox
(``last_error``, shown in the admin) and the next run tries again.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from kefu.channels.mail import inbound as email_in
from kefu.channels.models.mail import Mailbox
from kefu.lib import clock

log = logging.getLogger("kefu.mail")

TIMEOUT = 60.0
MAX_PER_FOLDER = 500  # per run; the rest comes on the next run


@dataclass
class PollResult:
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_context() -> ssl.SSLContext:
    """Certificates are always verified: against the system's CAs, plus ``KEFU_IMAP_CA_FILE`` (a PEM file)
    for a mail server with a certificate of a private CA."""
    ctx = ssl.create_default_context()
    ca_file = getattr(settings, "KEFU_IMAP_CA_FILE", "")
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.imap_host, mailbox.imap_port, ssl_context=tls_context(), timeout=TIMEOUT
        )
    else:
        conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
    conn.login(mailbox.imap_user or mailbox.address, mailbox.password())
    return conn


def _check(typ: str, data: Sequence[object], what: str) -> None:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}"[:500])


def _raw(data: Sequence[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def mark_seen(conn: imaplib.IMAP4, uid: bytes) -> None:
    typ, data = conn.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Seen)")
    _check(typ, data, "STORE")


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """Fetch and take in the unseen mail of one mailbox. Never raises; errors land on the mailbox."""
    result = PollResult()
    conn: imaplib.IMAP4 | None = None
    try:
        conn = _connect(mailbox)
        for folder in mailbox.folder_list():
            typ, data = conn.select(_quote(folder))
            if typ != "OK":  # a missing folder: reported, the other folders still flow
                result.errors.append(f"SELECT {folder}: {typ} {data!r}"[:500])
                continue
            typ, data = conn.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            _check(typ, data, f"SEARCH {folder}")
            uids = (data[0] or b"").split() if data else []
            for uid in uids[:MAX_PER_FOLDER]:
                typ, data = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                _check(typ, data, f"FETCH {folder} {uid!r}")
                raw = _raw(data)
                if raw is None:
                    continue  # expunged meanwhile
                outcome = email_in.ingest(mailbox, raw)
                result.fetched += 1
                result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
                mark_seen(conn, uid)
    except (TimeoutError, OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort) as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a database error in ingest: the message stays unseen and comes again
        log.exception("polling %s failed", mailbox)
        result.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                conn.logout()
    now = clock.now()
    if result.errors:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=now, last_error=result.errors[-1][:2000], last_error_at=now
        )
        log.warning("mailbox %s: %s", mailbox, result.errors[-1])
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_fetch_at=now, last_error="")
    return result


def poll_all() -> int:
    """Every active mailbox with an IMAP host; returns how many messages were fetched."""
    total = 0
    for mailbox in Mailbox.objects.filter(active=True).exclude(imap_host="").select_related("branch"):
        total += poll_mailbox(mailbox).fetched
    return total

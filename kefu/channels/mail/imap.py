"""IMAP poller (R-5): take in every message delivered to the folders of every active mailbox, whether or
not it was already read in another mail program.

Each folder is tracked by UID (``MailboxFolder``: the folder's UIDVALIDITY and the last UID taken in).
Per folder: ``SELECT`` (and its UIDVALIDITY: when it changed, the old UIDs mean nothing and the folder is
read again from the start), ``UID SEARCH UID <last+1>:*`` (a range ``n:*`` always names the newest
message even when its UID is below n, so UIDs up to the last one are dropped), then for each UID in
order ``FETCH BODY.PEEK[]``, ``inbound_mail.ingest`` (its own transaction), ``STORE +FLAGS (\\Seen)`` and
only then the folder's last UID moves to it. A crash anywhere before that takes the message again on the
next run, and ``ingest`` finds the same (mailbox, Message-ID) — or the same bytes —: exactly one order.
A message that cannot be taken in is a dead letter and the folder moves past it, so it never blocks the
mailbox. A temporary failure (``kefu.lib.transient``: the database locked or unreachable, the attachment
directory unavailable) stops the mailbox's run with nothing stored: the message stays for the next poll.
A connection or login error is kept on the mailbox (``last_error``, shown in the admin and on the
channel health page) and the next run tries again.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from kefu.channels.mail import inbound as inbound_mail
from kefu.channels.models.mail import Mailbox, MailboxFolder
from kefu.lib import clock, transient

log = logging.getLogger("kefu.mail")

TIMEOUT = 60.0
MAX_PER_FOLDER = 500  # per run; the rest comes on the next run


@dataclass
class PollResult:
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    deferred: int = 0  # messages left in the folder for the next poll (a temporary failure)


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


def _uidvalidity(conn: imaplib.IMAP4, folder: str) -> int | None:
    """The UIDVALIDITY the server reported on SELECT (else asked with STATUS)."""
    _typ, data = conn.response("UIDVALIDITY")
    value = data[0] if data else None
    if value is None:
        typ, status = conn.status(_quote(folder), "(UIDVALIDITY)")
        if typ == "OK" and status and isinstance(status[0], bytes):
            value = status[0].upper().split(b"UIDVALIDITY", 1)[-1].strip(b" ()")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def folder_state(mailbox: Mailbox, folder: str, uidvalidity: int | None) -> MailboxFolder:
    """The folder's row; a new UIDVALIDITY starts it again from UID 0."""
    state, _created = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=folder)
    if uidvalidity is not None and state.uidvalidity != uidvalidity:
        if state.uidvalidity is not None:
            log.warning(
                "mailbox %s folder %s: UIDVALIDITY changed from %s to %s; reading the folder again",
                mailbox, folder, state.uidvalidity, uidvalidity,
            )  # fmt: skip
        state.uidvalidity, state.last_uid, state.updated_at = uidvalidity, 0, clock.now()
        state.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    return state


def _advance(state: MailboxFolder, uid: int) -> None:
    state.last_uid, state.updated_at = uid, clock.now()
    MailboxFolder.objects.filter(pk=state.pk).update(last_uid=uid, updated_at=state.updated_at)


def _new_uids(conn: imaplib.IMAP4, folder: str, last_uid: int) -> list[int]:
    typ, data = conn.uid("SEARCH", None, f"UID {last_uid + 1}:*")  # type: ignore[arg-type]
    _check(typ, data, f"SEARCH {folder}")
    found = {int(u) for u in (data[0] or b"").split() if u.isdigit()} if data else set()
    return sorted(u for u in found if u > last_uid)  # "n:*" also names the newest message below n


def _poll_folder(conn: imaplib.IMAP4, mailbox: Mailbox, folder: str, result: PollResult) -> None:
    state = folder_state(mailbox, folder, _uidvalidity(conn, folder))
    uids = _new_uids(conn, folder, state.last_uid)
    for i, uid in enumerate(uids[:MAX_PER_FOLDER]):
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        _check(typ, data, f"FETCH {folder} {uid}")
        raw = _raw(data)
        if raw is None:  # expunged meanwhile
            _advance(state, uid)
            continue
        try:
            outcome = inbound_mail.ingest(mailbox, raw)
        except inbound_mail.TemporaryFailure:
            result.deferred += len(uids[:MAX_PER_FOLDER]) - i
            raise
        result.fetched += 1
        result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
        mark_seen(conn, str(uid).encode())
        _advance(state, uid)


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """Fetch and take in the new mail of one mailbox. Never raises; errors land on the mailbox."""
    result = PollResult()
    conn: imaplib.IMAP4 | None = None
    try:
        conn = _connect(mailbox)
        for folder in mailbox.folder_list():
            typ, data = conn.select(_quote(folder))
            if typ != "OK":  # a missing folder: reported, the other folders still flow
                result.errors.append(f"SELECT {folder}: {typ} {data!r}"[:500])
                continue
            _poll_folder(conn, mailbox, folder, result)
    except inbound_mail.TemporaryFailure as exc:
        result.errors.append(f"temporary failure, the mail stays for the next poll: {exc}")
    except (TimeoutError, OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort) as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a database error outside ingest: the folder did not move, the mail comes again
        if transient.is_temporary(exc):
            result.errors.append(f"temporary failure, the mail stays for the next poll: {exc}")
        else:
            log.exception("polling %s failed", mailbox)
            result.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                conn.logout()
    now = clock.now()
    try:
        if result.errors:
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_fetch_at=now, last_error=result.errors[-1][:2000], last_error_at=now
            )
        else:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_fetch_at=now, last_error="")
    except Exception as exc:  # the database is still unavailable: the log says it, the next run retries
        if not transient.is_temporary(exc):
            raise
        log.warning("mailbox %s: cannot record the poll: %s", mailbox, exc)
    if result.errors:
        log.warning("mailbox %s: %s", mailbox, result.errors[-1])
    return result


def poll_all() -> int:
    """Every active mailbox with an IMAP host; returns how many messages were fetched."""
    total = 0
    for mailbox in Mailbox.objects.filter(active=True).exclude(imap_host="").select_related("branch"):
        total += poll_mailbox(mailbox).fetched
    return total

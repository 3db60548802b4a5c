"""The IMAP poller against a real dovecot on loopback: orders, acknowledgements, exactly once, dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from kefu.channels import jobs as _jobs  # noqa: F401 (registers the periodic jobs)
from kefu.channels.mail import imap as imap_poll
from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox, MailboxFolder
from kefu.channels.tests import dovecot
from kefu.jobs.registry import JOBS
from kefu.testing.dblock import database_locked, on_lockable_database
from kefu.workorders.models import Attachment, WorkOrder

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not dovecot.available(), reason="dovecot not installed (scripts/system-deps)"),
]


@pytest.fixture(scope="module")
def imap() -> Iterator[dovecot.Dovecot]:
    with dovecot.running(tls=True) as server:
        yield server


@pytest.fixture
def box(world: Any, imap: dovecot.Dovecot, request: Any) -> Mailbox:
    # one Maildir per test: a folder pair named after the test
    suffix = request.node.name.replace("[", "_").replace("]", "")[-40:]
    imap.create(f"In-{suffix}")
    imap.create(f"Archive-{suffix}")
    return Mailbox.objects.create(
        branch=world.north,
        address="kefu@north.example.cn",
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_ssl=False,
        imap_user=imap.user,
        imap_password=imap.password,
        folders=f"In-{suffix}, Archive-{suffix}",
    )


def message(msgid: str, subject: str, sender: str = "客户 <cust@example.cn>", body: str = "您好") -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    m.set_content(body)
    return m.as_bytes()


def test_poll_takes_each_message_once_across_folders_and_runs(imap: dovecot.Dovecot, box: Mailbox) -> None:
    inbox, archive = box.folder_list()
    imap.append(inbox, message("<p1@example.cn>", "停水了"))
    imap.append(inbox, message("<p2@example.cn>", "水压低", sender="other@example.cn"))
    imap.append(archive, message("<p1@example.cn>", "停水了"))  # the same message filed twice
    imap.append(inbox, b"X-Broken: yes\r\n\r\n\xff\xfe no from, subject or message id")
    imap.append(inbox, message("<p3@example.cn>", "水费", sender="x@example.cn"))
    first = imap_poll.poll_mailbox(box)
    assert first.errors == []
    assert first.fetched == 5
    assert first.statuses == {"new_order": 3, "duplicate": 1, "dead_letter": 1}
    assert WorkOrder.objects.count() == 3
    assert sorted(WorkOrder.objects.values_list("title", flat=True)) == sorted(["停水了", "水压低", "水费"])
    assert InboundMessage.objects.count() == 3 and DeadLetter.objects.count() == 1
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "cust@example.cn",
        "other@example.cn",
        "x@example.cn",
    ]
    assert imap.unseen(inbox) == 0 and imap.unseen(archive) == 0
    box.refresh_from_db()
    assert box.last_fetch_at is not None and box.last_error == ""
    again = imap_poll.poll_mailbox(box)
    assert again.fetched == 0 and WorkOrder.objects.count() == 3 and OutboxMessage.objects.count() == 3


def test_automatic_mail_over_imap_is_not_acknowledged(imap: dovecot.Dovecot, box: Mailbox) -> None:
    inbox = box.folder_list()[0]
    m = EmailMessage()
    m["From"] = "MAILER-DAEMON@mx.example.cn"
    m["Subject"] = "Undelivered Mail Returned to Sender"
    m["Message-ID"] = "<bounce1@mx>"
    m["Auto-Submitted"] = "auto-replied"
    m.set_content("failed")
    imap.append(inbox, m.as_bytes())
    result = imap_poll.poll_mailbox(box)
    assert result.statuses == {"automatic": 1}
    assert not OutboxMessage.objects.exists() and not WorkOrder.objects.exists()


def test_crash_between_commit_and_mark_seen_is_taken_in_once(
    imap: dovecot.Dovecot, box: Mailbox, monkeypatch: Any
) -> None:
    inbox = box.folder_list()[0]
    imap.append(inbox, message("<crash@example.cn>", "家里没水"))
    real = imap_poll.mark_seen

    def crash(conn: Any, uid: bytes) -> None:
        raise OSError("connection reset while marking seen")

    monkeypatch.setattr(imap_poll, "mark_seen", crash)
    first = imap_poll.poll_mailbox(box)
    assert first.statuses == {"new_order": 1} and first.errors
    box.refresh_from_db()
    assert "connection reset" in box.last_error
    assert imap.unseen(inbox) == 1 and WorkOrder.objects.count() == 1
    monkeypatch.setattr(imap_poll, "mark_seen", real)
    second = imap_poll.poll_mailbox(box)
    assert second.statuses == {email_in.Status.DUPLICATE: 1} and second.errors == []
    assert imap.unseen(inbox) == 0
    assert WorkOrder.objects.count() == 1 and OutboxMessage.objects.count() == 1
    box.refresh_from_db()
    assert box.last_error == ""


def test_login_failure_is_recorded_on_the_mailbox(imap: dovecot.Dovecot, box: Mailbox) -> None:
    box.imap_password = "wrong"
    box.save()
    result = imap_poll.poll_mailbox(box)
    assert result.fetched == 0 and result.errors
    box.refresh_from_db()
    assert box.last_error and box.last_error_at is not None


def test_job_polls_active_mailboxes_only(imap: dovecot.Dovecot, box: Mailbox, world: Any) -> None:
    inbox = box.folder_list()[0]
    imap.append(inbox, message("<job@example.cn>", "作业"))
    Mailbox.objects.create(
        branch=world.south, address="off@south.example.cn", imap_host="127.0.0.1", imap_port=1, active=False
    )
    assert JOBS["channels.imap"].func() == 1
    assert WorkOrder.objects.get().title == "作业"


def test_missing_folder_is_reported_and_the_others_flow(imap: dovecot.Dovecot, box: Mailbox) -> None:
    inbox = box.folder_list()[0]
    box.folders = f"No-Such-Folder, {inbox}"
    box.save()
    imap.append(inbox, message("<mf@example.cn>", "还在"))
    result = imap_poll.poll_mailbox(box)
    assert result.statuses == {"new_order": 1} and "No-Such-Folder" in result.errors[0]
    box.refresh_from_db()
    assert "No-Such-Folder" in box.last_error


def test_imap_over_tls_verifies_the_certificate(imap: dovecot.Dovecot, box: Mailbox, settings: Any) -> None:
    folder = box.folders.split(",")[0].strip()
    imap.append(folder, message("<tls-1@example.cn>", "加密连接收信"))
    box.imap_ssl, box.imap_port = True, imap.tls_port
    box.save()
    # a self-signed certificate nobody said to trust: refused, the reason kept on the mailbox
    settings.KEFU_IMAP_CA_FILE = ""
    result = imap_poll.poll_mailbox(box)
    assert result.fetched == 0 and result.errors
    box.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in box.last_error or "certificate verify failed" in box.last_error
    assert imap.unseen(folder) == 1
    # the administrator points KEFU_IMAP_CA_FILE at the server's CA: the mail flows over TLS
    settings.KEFU_IMAP_CA_FILE = str(imap.cert)
    result = imap_poll.poll_mailbox(box)
    assert result.fetched == 1 and not result.errors
    assert InboundMessage.objects.filter(mailbox=box, message_id__contains="tls-1@example.cn").count() == 1
    assert imap.unseen(folder) == 0


def with_attachment(msgid: str, subject: str) -> bytes:
    m = EmailMessage()
    m["From"] = "客户 <cust@example.cn>"
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    m.set_content("照片见附件")
    m.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="meter.png"
    )
    return m.as_bytes()


def test_mail_read_in_another_program_is_taken_in_once(imap: dovecot.Dovecot, box: Mailbox) -> None:
    inbox, archive = box.folder_list()
    imap.append(inbox, message("<read1@example.cn>", "已读的邮件"), flags=r"(\Seen)")
    imap.append(inbox, message("<new1@example.cn>", "未读的邮件", sender="b@example.cn"))
    imap.append(archive, message("<read2@example.cn>", "归档里已读", sender="c@example.cn"), flags=r"(\Seen)")
    assert imap.seen(inbox) == 1 and imap.unseen(inbox) == 1
    first = imap_poll.poll_mailbox(box)
    assert first.errors == [] and first.statuses == {"new_order": 3}
    assert sorted(WorkOrder.objects.values_list("title", flat=True)) == sorted(
        ["已读的邮件", "未读的邮件", "归档里已读"]
    )
    states = {f.name: f for f in MailboxFolder.objects.filter(mailbox=box)}
    assert states[inbox].last_uid == 2 and states[archive].last_uid == 1
    assert states[inbox].uidvalidity == imap.uidvalidity(inbox)
    # nothing new: "UID 3:*" still names message 2 (the newest); it is not taken in again
    again = imap_poll.poll_mailbox(box)
    assert again.fetched == 0 and again.statuses == {} and again.errors == []
    # a later message, read elsewhere before the poll, is the only one taken in
    imap.append(inbox, message("<read3@example.cn>", "又一封已读", sender="d@example.cn"), flags=r"(\Seen)")
    third = imap_poll.poll_mailbox(box)
    assert third.statuses == {"new_order": 1}
    assert WorkOrder.objects.count() == 4 and OutboxMessage.objects.count() == 4
    assert MailboxFolder.objects.get(mailbox=box, name=inbox).last_uid == 3


def test_uidvalidity_change_reads_the_folder_again_without_duplicates(
    imap: dovecot.Dovecot, box: Mailbox
) -> None:
    inbox = box.folder_list()[0]
    imap.append(inbox, message("<v1@example.cn>", "第一封"))
    imap.append(inbox, b"X-Broken: yes\r\n\r\n\xff\xfe no headers")
    assert imap_poll.poll_mailbox(box).statuses == {"new_order": 1, "dead_letter": 1}
    before = MailboxFolder.objects.get(mailbox=box, name=inbox)
    assert before.last_uid == 2
    # the folder is re-created on the server (restored from a backup, migrated): new UIDVALIDITY, UIDs from 1;
    # the new message gets UID 1, below the last UID seen under the old UIDVALIDITY
    imap.delete(inbox)
    imap.create(inbox)
    imap.append(inbox, message("<v2@example.cn>", "新邮件", sender="new@example.cn"))
    imap.append(inbox, message("<v1@example.cn>", "第一封"))
    imap.append(inbox, b"X-Broken: yes\r\n\r\n\xff\xfe no headers")
    assert imap.uidvalidity(inbox) != before.uidvalidity
    result = imap_poll.poll_mailbox(box)
    assert result.errors == []
    assert result.statuses == {"new_order": 1, "duplicate": 1, "dead_letter": 1}
    assert sorted(WorkOrder.objects.values_list("title", flat=True)) == ["新邮件", "第一封"]
    assert DeadLetter.objects.count() == 1 and InboundMessage.objects.count() == 2
    after = MailboxFolder.objects.get(mailbox=box, name=inbox)
    assert after.uidvalidity == imap.uidvalidity(inbox) and after.last_uid == 3


def test_attachment_directory_unavailable_leaves_the_mail_for_the_next_poll(
    imap: dovecot.Dovecot, box: Mailbox, settings: Any, tmp_path: Path
) -> None:
    inbox = box.folder_list()[0]
    imap.append(inbox, with_attachment("<att1@example.cn>", "水表照片"))
    imap.append(inbox, message("<att2@example.cn>", "后面的邮件", sender="later@example.cn"))
    good_media = settings.MEDIA_ROOT
    blocker = tmp_path / "unmounted"
    blocker.write_text("not a directory")  # stands for a volume that is not mounted: ENOTDIR
    settings.MEDIA_ROOT = blocker / "media"
    first = imap_poll.poll_mailbox(box)
    assert first.fetched == 0 and first.deferred == 2
    assert first.errors and "temporary failure" in first.errors[0]
    assert not DeadLetter.objects.exists() and not InboundMessage.objects.exists()
    assert not WorkOrder.objects.exists() and not OutboxMessage.objects.exists()
    assert MailboxFolder.objects.get(mailbox=box, name=inbox).last_uid == 0
    box.refresh_from_db()
    assert "temporary failure" in box.last_error
    settings.MEDIA_ROOT = good_media
    second = imap_poll.poll_mailbox(box)
    assert second.errors == [] and second.statuses == {"new_order": 2}
    assert Attachment.objects.get().filename == "meter.png"
    assert MailboxFolder.objects.get(mailbox=box, name=inbox).last_uid == 2


@pytest.mark.django_db(transaction=True)
def test_database_locked_leaves_the_mail_for_the_next_poll(
    imap: dovecot.Dovecot, box: Mailbox, tmp_path: Path
) -> None:
    inbox = box.folder_list()[0]
    assert imap_poll.poll_mailbox(box).errors == []  # the folders are known (their UIDVALIDITY stored)
    imap.append(inbox, message("<lock1@example.cn>", "锁住时到的邮件"), flags=r"(\Seen)")
    with on_lockable_database(tmp_path):
        # another writer holds the database (SQLite: the whole file; PostgreSQL: the mailbox row) longer
        # than the poller waits for it
        with database_locked(tmp_path, "channels_mailbox", box.pk):
            locked = imap_poll.poll_mailbox(box)
        assert locked.fetched == 0 and locked.deferred == 1
        assert locked.errors and "temporary failure" in locked.errors[0]
        assert not DeadLetter.objects.exists() and not InboundMessage.objects.exists()
        assert MailboxFolder.objects.get(mailbox=box, name=inbox).last_uid == 0
        after = imap_poll.poll_mailbox(box)
        assert after.errors == [] and after.statuses == {"new_order": 1}
        assert WorkOrder.objects.get().title == "锁住时到的邮件"
        assert MailboxFolder.objects.get(mailbox=box, name=inbox).last_uid == 1
        assert not DeadLetter.objects.exists()

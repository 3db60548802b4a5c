"""Attachments: size limit, content type sniffed from the bytes, empty files refused, audited."""

from __future__ import annotations

import random
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.audit.models import AuditRecord
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.testing.factories import make_portal_customer
from kefu.workorders.actions import do_add_attachments, do_note, do_reply, sniff_content_type
from kefu.workorders.models import Attachment, WorkOrder


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


RANDOM = bytes([0xFF, 0x00]) + random.Random(7).randbytes(200)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_bytes(), "image/png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        ("客户来电反映宽带故障。\n".encode(), "text/plain"),
        (b"plain ascii\n", "text/plain"),
        (RANDOM, "application/octet-stream"),
    ],
)
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff_content_type(data, "whatever.txt") == expected


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
@pytest.mark.parametrize("text", ["退款", "😀"])
def test_sniff_long_chinese_text_cut_anywhere(offset: int, text: str) -> None:
    """Text is text whatever byte the 4 KB sample ends on (3- and 4-byte characters)."""
    data = (b"a" * offset + (text * 3000).encode())[:8192]
    assert sniff_content_type(data, "a.txt") == "text/plain"


def test_sniff_invalid_utf8_in_the_middle_is_binary() -> None:
    data = "退款".encode() * 100 + b"\xff\xfe" + "退款".encode() * 100
    assert sniff_content_type(data, "a.txt") == "application/octet-stream"


@pytest.mark.django_db
def test_png_named_txt_is_stored_as_png(world: Any) -> None:
    o = world.order(world.customer())
    (att,) = do_add_attachments(
        world.agent.user, o.pk, [SimpleUploadedFile("evil.txt", png_bytes(), "text/plain")]
    )
    att = Attachment.objects.get(pk=att.pk)
    assert (att.filename, att.content_type, att.size) == ("evil.txt", "image/png", len(png_bytes()))
    assert att.file.read() == png_bytes()
    assert att.public is True and att.uploaded_by == world.agent.user
    rec = AuditRecord.objects.get(action="order.attachment", workorder_id=o.pk)
    assert rec.after is not None
    assert rec.after["filename"] == "evil.txt" and rec.after["size"] == len(png_bytes())
    assert rec.after["sha256"] == att.sha256 and len(att.sha256) == 64


@pytest.mark.django_db
def test_text_and_binary_uploads(world: Any) -> None:
    o = world.order(world.customer())
    atts = do_add_attachments(
        world.agent.user,
        o.pk,
        [
            SimpleUploadedFile("说明.txt", "请带身份证复印件".encode(), "application/x-msdownload"),
            SimpleUploadedFile("dump.exe", RANDOM, "image/jpeg"),
        ],
        public=False,
    )
    assert [(a.filename, a.content_type, a.public) for a in atts] == [
        ("说明.txt", "text/plain", False),
        ("dump.exe", "application/octet-stream", False),
    ]
    assert WorkOrder.objects.get(pk=o.pk).version == o.version + 1


@pytest.mark.django_db
def test_path_in_file_name_is_dropped(world: Any) -> None:
    o = world.order(world.customer())
    upload = SimpleUploadedFile("a.txt", b"hello")
    upload.name = "..\\..\\etc/passwd"
    (att,) = do_add_attachments(world.agent.user, o.pk, [upload])
    assert att.filename == "passwd"
    assert att.file.name is not None and ".." not in att.file.name


@pytest.mark.django_db
def test_size_limit(world: Any, settings: Any) -> None:
    settings.KEFU_MAX_ATTACHMENT_BYTES = 100
    o = world.order(world.customer())
    ok = SimpleUploadedFile("ok.txt", b"x" * 100)
    too_big = SimpleUploadedFile("big.txt", b"x" * 101)
    with pytest.raises(ValidationFailed) as exc:
        do_add_attachments(world.agent.user, o.pk, [ok, too_big])
    assert (exc.value.code, exc.value.field) == ("too_large", "files")
    assert "big.txt" in str(exc.value.message)
    # nothing half-saved: the first (valid) file of the same request is not kept either
    assert not Attachment.objects.filter(workorder=o).exists()
    assert not AuditRecord.objects.filter(action="order.attachment").exists()
    assert WorkOrder.objects.get(pk=o.pk).version == o.version
    (att,) = do_add_attachments(world.agent.user, o.pk, [SimpleUploadedFile("ok.txt", b"x" * 100)])
    assert att.size == 100


@pytest.mark.django_db
def test_size_limit_when_the_upload_lies_about_its_size(world: Any, settings: Any) -> None:
    settings.KEFU_MAX_ATTACHMENT_BYTES = 100
    o = world.order(world.customer())
    upload = SimpleUploadedFile("big.bin", b"y" * 500)
    upload.size = 10  # type: ignore[misc]
    with pytest.raises(ValidationFailed) as exc:
        do_add_attachments(world.agent.user, o.pk, [upload])
    assert exc.value.code == "too_large"


@pytest.mark.django_db
def test_empty_file_and_no_file_refused(world: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        do_add_attachments(world.agent.user, o.pk, [SimpleUploadedFile("empty.txt", b"")])
    assert (exc.value.code, exc.value.field) == ("empty_file", "files")
    with pytest.raises(ValidationFailed) as exc:
        do_add_attachments(world.agent.user, o.pk, [])
    assert exc.value.code == "required"
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_reply_and_note_attachments_visibility(world: Any) -> None:
    o = world.order(world.customer())
    reply = do_reply(
        world.agent.user,
        o.pk,
        "您好，请看附件",
        files=[SimpleUploadedFile("a.txt", b"public")],
        channel="sms",
    )
    note = do_note(world.agent.user, o.pk, "内部记录", files=[SimpleUploadedFile("b.txt", b"internal")])
    att_reply = Attachment.objects.get(entry=reply)
    att_note = Attachment.objects.get(entry=note)
    assert (att_reply.public, att_note.public) == (True, False)


@pytest.mark.django_db
def test_portal_customer_uploads_are_public_and_limited_to_own_orders(world: Any) -> None:
    mine = world.customer()
    other = world.customer(name="李四", phone="13900139000")
    user = make_portal_customer(world, mine)
    o = world.order(mine)
    (att,) = do_add_attachments(user, o.pk, [SimpleUploadedFile("photo.png", png_bytes())], public=False)
    assert att.public is True
    foreign = world.order(other)
    from kefu.lib.errors import NotFound

    with pytest.raises(NotFound):
        do_add_attachments(user, foreign.pk, [SimpleUploadedFile("x.txt", b"x")])


@pytest.mark.django_db
def test_inactive_or_anonymous_cannot_upload(world: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    o = world.order(world.customer())
    with pytest.raises(PermissionDenied):
        do_add_attachments(AnonymousUser(), o.pk, [SimpleUploadedFile("x.txt", b"x")])
    world.agent.is_active = False
    world.agent.save()
    with pytest.raises(PermissionDenied):
        do_add_attachments(world.agent.user, o.pk, [SimpleUploadedFile("x.txt", b"x")])
    assert not Attachment.objects.exists()

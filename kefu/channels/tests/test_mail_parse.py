"""Inbound e-mail parsing (kefu.channels.mail): MIME samples built here in each encoding, byte by byte."""

from __future__ import annotations

import base64
import time
from email.message import EmailMessage

import pytest

from kefu.channels.mail import parse as mail


def raw(
    headers: dict[str, str], body: bytes, *, content_type: str = "text/plain", cte: str = "8bit"
) -> bytes:
    lines = [f"{k}: {v}" for k, v in headers.items()]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {cte}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


BASE = {
    "From": "Zhang San <Zhang.San@Example.COM>",
    "To": "kefu@gd-water.cn",
    "Message-ID": "<m1@example.com>",
}


def b_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def test_gb2312_subject_and_normalised_sender():
    m = mail.parse(raw({**BASE, "Subject": b_word("停水投诉：朝阳小区", "gb2312")}, "正文".encode("gb18030")))
    assert m.subject == "停水投诉：朝阳小区"
    assert m.from_address == "zhang.san@example.com"
    assert m.from_name == "Zhang San"
    assert m.to == ["kefu@gd-water.cn"]
    assert m.message_id == "m1@example.com"
    assert m.text == "正文"  # no charset label: utf-8 fails, gb18030 reads it


def test_gb2312_label_decoded_as_gb18030_superset():
    # 镕 (U+9555) is in GBK/GB18030 but not in GB2312: a strict gb2312 decoder would fail on it
    body = "朱镕基同志来信".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    m = mail.parse(
        raw(
            {**BASE, "Subject": b_word("镕", "gb18030").replace("gb18030", "gb2312")},
            body,
            content_type='text/plain; charset="GB2312"',
        )
    )
    assert m.text == "朱镕基同志来信"
    assert m.subject == "镕"


def test_big5_body_with_cp950_and_hkscs_characters():
    text = "臺北市水費帳單查詢"
    body = base64.encodebytes(text.encode("big5"))
    m = mail.parse(
        raw(BASE | {"Subject": "big5"}, body, content_type="text/plain; charset=big5", cte="base64")
    )
    assert m.text == text
    # 堃 is HKSCS (not in plain Big5): a Big5 label still decodes it through the superset
    hk = "黃堃".encode("big5hkscs")
    m = mail.parse(raw(BASE | {"Subject": "hk"}, hk, content_type="text/plain; charset=Big5"))
    assert m.text == "黃堃"


def test_iso_2022_jp_subject_and_body():
    subject = "お問い合わせ（料金）"
    body = "請求書について質問があります。".encode("iso2022_jp")
    m = mail.parse(
        raw(
            BASE | {"Subject": b_word(subject, "iso-2022-jp")},
            body,
            content_type="text/plain; charset=ISO-2022-JP",
            cte="7bit",
        )
    )
    assert m.subject == subject
    assert m.text == "請求書について質問があります。"


def test_split_encoded_words_join_bytes_of_a_character_cut_in_two():
    data = "水压太低了".encode()  # 15 bytes; cut inside the second character
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    subject = f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?="
    m = mail.parse(raw(BASE | {"Subject": subject}, b"x"))
    assert m.subject == "水压太低了"


def test_broken_encoded_words_padding_unknown_charset_and_q_encoding():
    no_pad = base64.b64encode("报修".encode()).decode().rstrip("=")
    assert mail.decode_header_value(f"=?utf-8?B?{no_pad}?=") == "报修"
    # unknown label → utf-8, then gb18030
    unknown = base64.b64encode("漏水报修".encode("gb18030")).decode()
    assert mail.decode_header_value(f"=?x-unknown-cs?B?{unknown}?=") == "漏水报修"
    assert mail.decode_header_value("Re: =?utf-8?Q?caf=C3=A9_au_lait?= ok") == "Re: café au lait ok"
    # raw 8-bit UTF-8 header (no encoding at all)
    m = mail.parse(("Subject: 停电\r\nFrom: a@b.cn\r\n\r\nx").encode())
    assert m.subject == "停电"


def test_missing_charset_falls_back_utf8_then_gb18030_then_latin1():
    assert mail.decode_bytes("中文".encode()) == "中文"
    assert mail.decode_bytes("中文".encode("gb18030")) == "中文"
    assert mail.decode_bytes(b"\x81\x30") == "\x81" + "0"  # invalid in both: latin-1, never raises
    assert mail.decode_bytes(b"caf\xe9", "no-such-charset") == "café"  # unknown label → fallback chain


def test_html_is_sanitised_and_has_a_text_version():
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p onclick='steal()'>您好，<b>水表</b>坏了</p><a href='javascript:evil()'>link</a>"
        "<img src='cid:img1' onerror='x()'><p>地址：朝阳路1号 &amp; 2号</p></body></html>"
    )
    m = mail.parse(raw(BASE | {"Subject": "h"}, html.encode(), content_type="text/html; charset=utf-8"))
    assert "<script" not in m.html and "alert" not in m.html
    assert "onclick" not in m.html and "onerror" not in m.html and "javascript:" not in m.html
    assert "<b>水表</b>" in m.html
    assert 'src="cid:img1"' in m.html
    assert "alert" not in m.text and "color:red" not in m.text
    assert "您好，水表坏了" in m.text
    assert "地址：朝阳路1号 & 2号" in m.text.splitlines()


@pytest.mark.parametrize(
    "unit", ["<div><table><tr><td><b><i><font>", "<", "<a ", "<!--", "<p title='x"], ids=repr
)
def test_five_megabyte_pathological_html_is_bounded(unit):
    nested = unit * (5_000_000 // len(unit) + 1)  # 5 MB of unclosed nesting / broken markup
    assert len(nested) > 5_000_000
    data = raw(BASE | {"Subject": "big"}, nested.encode(), content_type="text/html; charset=utf-8")
    started = time.process_time()  # CPU time of this process: other load on the machine does not count
    m = mail.parse(data)
    elapsed = time.process_time() - started
    assert elapsed < 1.0, elapsed
    # only the first MAX_HTML_CHARS were sanitised (closing tags and &lt; make the output longer)
    assert len(m.html) <= 4 * mail.MAX_HTML_CHARS
    assert len(m.text) <= mail.MAX_HTML_CHARS


def test_attachments_inline_images_and_size_limit():
    msg = EmailMessage()
    msg["From"] = "李四 <lisi@example.cn>"
    msg["Subject"] = "附件"
    msg["Message-ID"] = "<att@example.cn>"
    msg.set_content("见附件")
    msg.add_alternative('<p>见图 <img src="cid:pic1"></p>', subtype="html")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    list(msg.iter_parts())[1].add_related(png, "image", "png", cid="<pic1>")
    msg.add_attachment(
        "表格".encode(), maintype="application", subtype="octet-stream", filename="用水记录.xlsx"
    )
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="pdf", filename="big.pdf")
    m = mail.parse(msg.as_bytes(), max_attachment_bytes=4000)
    assert m.text == "见附件"
    names = {a.filename: a for a in m.attachments}
    assert set(names) == {"inline-1", "用水记录.xlsx"}
    assert (
        names["inline-1"].inline and names["inline-1"].content_id == "pic1" and names["inline-1"].data == png
    )
    assert not names["用水记录.xlsx"].inline and names["用水记录.xlsx"].data == "表格".encode()
    assert m.skipped == ["big.pdf (too large)"]


def test_threading_headers_and_thread_key():
    m = mail.parse(
        raw(
            BASE
            | {
                "Subject": "Re: 您的工单 GD-20261123-000042 已受理",
                "In-Reply-To": "<outbox-17.abc123@gd-water.cn>",
                "References": "<first@example.com>\r\n <outbox-9.ff00@gd-water.cn> <outbox-17.abc123@gd-water.cn>",
            },
            b"thanks",
        )
    )
    assert m.in_reply_to == ["outbox-17.abc123@gd-water.cn"]
    assert m.references[0] == "first@example.com"
    key = mail.thread_key(m)
    assert key.order_numbers == ("GD-20261123-000042",)
    assert key.outbox_ids == (17, 9)
    assert not mail.thread_key(mail.parse(raw(BASE | {"Subject": "new GD-2026-1"}, b"x")))


@pytest.mark.parametrize(
    ("headers", "content_type", "automatic"),
    [
        ({}, "text/plain", False),
        ({"Auto-Submitted": "no"}, "text/plain", False),
        ({"Auto-Submitted": "auto-replied"}, "text/plain", True),
        ({"Auto-Submitted": "Auto-Generated; owner-email=x@y"}, "text/plain", True),
        ({"Precedence": "bulk"}, "text/plain", True),
        ({"Precedence": "List"}, "text/plain", True),
        ({"Precedence": "junk"}, "text/plain", True),
        ({"Precedence": "first-class"}, "text/plain", False),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "text/plain", True),
        ({"From": "postmaster@example.com"}, "text/plain", True),
        ({"From": "<>"}, "text/plain", True),
        ({"X-Autoreply": "yes"}, "text/plain", True),
        ({"X-Auto-Response-Suppress": "All"}, "text/plain", True),
        ({}, 'multipart/report; report-type=delivery-status; boundary="b"', True),
    ],
)
def test_is_automatic(headers, content_type, automatic):
    body = b"x"
    if content_type.startswith("multipart"):
        body = (
            b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
            b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
        )
    m = mail.parse(raw(BASE | headers, body, content_type=content_type))
    assert mail.is_automatic(m) is automatic


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\r\n\r\njust a body", b"garbage without headers"])
def test_unreadable_messages_raise_parse_error(data):
    with pytest.raises(mail.MailParseError):
        mail.parse(data)


def test_message_without_message_id_and_long_junk_header_still_parses():
    m = mail.parse(b"From: a@b.cn\r\nSubject: =?utf-8?B?!!!?=\r\n\r\nbody")
    assert m.message_id == ""
    assert m.text == "body"

"""ISO-2022-JP as Outlook sends it (kefu.channels.mail, pure): no ``charset=`` parameter, and the NEC special
characters of JIS row 13 (①…⑳ at 0x2D21…0x2D34), which Python's ISO-2022-JP codecs refuse."""

from __future__ import annotations

import base64

import pytest

from kefu.channels.mail import parse as mail

ESC_JIS = b"\x1b$B"  # JIS X 0208-1983
ESC_ASCII = b"\x1b(B"


def jis(text: str) -> bytes:
    """The JIS X 0208 code pairs of ``text`` (no escape sequences), by Python's strict codec."""
    encoded = text.encode("iso2022_jp")
    assert encoded.startswith(ESC_JIS) and encoded.endswith(ESC_ASCII)
    return encoded[len(ESC_JIS) : -len(ESC_ASCII)]


CIRCLED_1 = b"\x2d\x21"  # ① in the NEC extension (row 13)
CIRCLED_20 = b"\x2d\x34"  # ⑳
ROMAN_1 = b"\x2d\x35"  # Ⅰ
KABUSHIKI = b"\x2d\x6a"  # ㈱
# "①番の部屋で⑳時に漏水 ㈱" then ASCII, as Outlook writes it: ESC $ B … ESC ( B
BODY_LINE = ESC_JIS + CIRCLED_1 + jis("番の部屋で") + CIRCLED_20 + jis("時に漏水") + KABUSHIKI + ESC_ASCII
SUBJECT_BYTES = ESC_JIS + CIRCLED_1 + jis("水漏れ") + ROMAN_1 + ESC_ASCII


def outlook_mail(body: bytes, *, content_type: str = "text/plain") -> bytes:
    word = base64.b64encode(SUBJECT_BYTES).decode()
    head = (
        "From: =?ISO-2022-JP?B?"
        + base64.b64encode(ESC_JIS + jis("山田") + ESC_ASCII).decode()
        + "?= <yamada@example.jp>\r\n"
        "To: kefu@north.example.cn\r\n"
        f"Subject: =?ISO-2022-JP?B?{word}?=\r\n"
        "Message-ID: <jp1@example.jp>\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
    )
    return head.encode("ascii") + body


def test_python_codecs_really_refuse_the_nec_characters() -> None:
    # the reason for the CP932 path: none of Python's ISO-2022-JP codecs has row 13
    for codec in ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004"):
        with pytest.raises(UnicodeDecodeError):
            BODY_LINE.decode(codec)


def test_outlook_body_without_charset_and_subject_word() -> None:
    m = mail.parse(outlook_mail(BODY_LINE + b"\r\nRoom 12\r\n"))
    assert m.text == "①番の部屋で⑳時に漏水㈱\r\nRoom 12"
    assert "\x1b" not in m.text
    assert m.subject == "①水漏れⅠ"
    assert (m.from_name, m.from_address) == ("山田", "yamada@example.jp")


@pytest.mark.parametrize("label", ["iso-2022-jp", "ISO-2022-JP", "us-ascii", "csISO2022JP", "x-unknown"])
def test_body_with_any_label_is_read_by_its_escape_sequences(label: str) -> None:
    m = mail.parse(outlook_mail(BODY_LINE, content_type=f"text/plain; charset={label}"))
    assert m.text == "①番の部屋で⑳時に漏水㈱"


def test_html_part_without_charset() -> None:
    m = mail.parse(outlook_mail(b"<p>" + BODY_LINE + b"</p>", content_type="text/html"))
    assert "①番の部屋で⑳時に漏水㈱" in m.html
    assert m.text == "①番の部屋で⑳時に漏水㈱"


def test_standard_characters_read_as_the_standard_codec_does() -> None:
    # 〜 (JIS 0x2141) is U+301C in the standard codec but U+FF5E in CP932: the same text with or without a
    # NEC character in it decodes to the same characters
    plain = ESC_JIS + jis("〜−¢") + ESC_ASCII
    mixed = ESC_JIS + jis("〜−¢") + CIRCLED_1 + ESC_ASCII
    assert mail.decode_bytes(plain) == "〜−¢" == plain.decode("iso2022_jp")
    assert mail.decode_bytes(mixed) == "〜−¢①"


def test_nec_selected_ibm_extension_and_halfwidth_katakana() -> None:
    # 纊 is JIS 0x7921 (NEC-selected IBM extension, CP932 0xED40); ｱｲ are JIS X 0201 katakana (ESC ( I)
    data = ESC_JIS + b"\x79\x21" + ESC_ASCII + b"\x1b(I" + b"\x31\x32" + ESC_ASCII + b"!"
    assert mail.decode_bytes(data) == "纊ｱｲ!"


def test_line_break_inside_a_two_byte_run_and_odd_byte() -> None:
    data = ESC_JIS + CIRCLED_1 + b"\r\n" + jis("水") + b"\x21" + ESC_ASCII
    assert mail.decode_bytes(data) == "①\r\n水\ufffd"


def test_raw_iso2022jp_in_a_subject_without_encoded_words() -> None:
    head = (
        b"From: a@example.jp\r\nSubject: "
        + SUBJECT_BYTES
        + b" =?utf-8?q?ok?=\r\nMessage-ID: <jp2@x>\r\n\r\nx"
    )
    assert mail.parse(head).subject == "①水漏れⅠ ok"


def test_iso2022jp2_chinese_still_read_by_python() -> None:
    # ISO-2022-JP-2 designates GB2312 (ESC $ ( A) for 费: not CP50220, so Python's codec reads it
    data = "水费".encode("iso2022_jp_2")
    assert b"\x1b$(A" in data
    assert mail.decode_bytes(data) == "水费" == mail.decode_bytes(data, "iso-2022-jp")


def test_seven_bit_text_without_japanese_escapes_is_unchanged() -> None:
    assert mail.decode_bytes(b"plain \x1b[1m text") == "plain \x1b[1m text"


def test_every_standard_character_reads_the_same_next_to_a_nec_character() -> None:
    # all 94×94 JIS X 0208 pairs: the CP932 path agrees with Python's standard codec wherever it has one
    checked = 0
    for j1 in range(0x21, 0x7F):
        for j2 in range(0x21, 0x7F):
            pair = bytes((j1, j2))
            try:
                standard = (ESC_JIS + pair + ESC_ASCII).decode("iso2022_jp")
            except UnicodeDecodeError:
                continue
            assert mail.decode_bytes(ESC_JIS + pair + CIRCLED_1 + ESC_ASCII) == standard + "①", pair
            checked += 1
    assert checked == 6879  # the characters of JIS X 0208

"""Who sent an e-mail (kefu.channels.mail, pure): addresses parsed from the raw header before display names
are decoded, and the DMARC verdict read from trusted Authentication-Results headers only."""

from __future__ import annotations

import base64

import pytest

from kefu.channels.mail import parse as mail


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def message(from_header: str, *extra: str) -> bytes:
    lines = [
        *extra,
        f"From: {from_header}",
        "To: kefu@north.example.cn",
        "Subject: test",
        "Message-ID: <s1@example.com>",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(lines) + "\r\n\r\nhello\r\n").encode("utf-8")


# --- addresses from the raw header ---------------------------------------------------------


def test_encoded_display_name_with_comma_and_address_is_not_the_sender() -> None:
    # the display name decodes to "wang.xm@example.com, " — decoding the header first made that the sender
    forged = f"=?utf-8?b?{b64('wang.xm@example.com, ')}?= <attacker@evil.example>"
    m = mail.parse(message(forged))
    assert m.from_address == "attacker@evil.example"
    assert m.from_name == "wang.xm@example.com,"


def test_quoted_printable_display_name_with_comma_and_address_is_not_the_sender() -> None:
    forged = "=?utf-8?q?wang=2Exm=40example=2Ecom=2C?= <attacker@evil.example>"
    m = mail.parse(message(forged))
    assert (m.from_address, m.from_name) == ("attacker@evil.example", "wang.xm@example.com,")


def test_encoded_display_name_with_comma_is_kept_whole() -> None:
    m = mail.parse(message(f"=?utf-8?b?{b64('王, 小明')}?= <Wang.XM@Example.com>"))
    assert (m.from_name, m.from_address) == ("王, 小明", "wang.xm@example.com")


def test_gb2312_display_name_with_fullwidth_and_ascii_comma() -> None:
    word = base64.b64encode("王，小明, 客户".encode("gb2312")).decode()
    m = mail.parse(message(f"=?gb2312?b?{word}?= <wang@example.cn>"))
    assert (m.from_name, m.from_address) == ("王，小明, 客户", "wang@example.cn")


def test_quoted_display_name_with_comma_and_several_recipients() -> None:
    raw = message(
        '"Wang, Xiaoming" <wang@example.cn>',
        f"Cc: =?utf-8?b?{b64('李, 四 <li@victim.example>')}?= <li@example.cn>, zhao@example.cn",
    )
    m = mail.parse(raw)
    assert (m.from_name, m.from_address) == ("Wang, Xiaoming", "wang@example.cn")
    assert m.cc == ["li@example.cn", "zhao@example.cn"]


def test_raw_utf8_display_name_with_comma() -> None:
    m = mail.parse(message('"王, 小明" <wang@example.cn>'))
    assert (m.from_name, m.from_address) == ("王, 小明", "wang@example.cn")


# --- Authentication-Results --------------------------------------------------------------------------

AR_FAIL = (
    "Authentication-Results: mx.kefu.example.cn 1; spf=pass (sender SPF authorized) "
    "smtp.mailfrom=evil.example; dkim=none (no signature); "
    "dmarc=fail (p=reject dis=none) header.from=example.com"
)
AR_PASS = "Authentication-Results: mx.kefu.example.cn; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
TRUSTED = ["mx.kefu.example.cn"]


def test_authentication_results_parsed_with_comments_and_version() -> None:
    server, results = mail.parse_authentication_results(AR_FAIL.split(": ", 1)[1])
    assert server == "mx.kefu.example.cn"
    assert [(r.method, r.result) for r in results] == [("spf", "pass"), ("dkim", "none"), ("dmarc", "fail")]
    assert results[2].properties == {"header.from": "example.com"}
    assert mail.parse_authentication_results("mx.kefu.example.cn; none") == ("mx.kefu.example.cn", [])


def test_dmarc_fail_from_trusted_server_makes_the_sender_unverified() -> None:
    m = mail.parse(message("Wang <wang@Example.com>", AR_FAIL))
    check = mail.sender_check(m, TRUSTED)
    assert check.unverified and check.state == mail.Dmarc.FAIL
    assert check.domain == "example.com"
    assert check.detail == "mx.kefu.example.cn: dmarc=fail header.from=example.com"


def test_not_read_without_trusted_ids() -> None:
    m = mail.parse(message("Wang <wang@example.com>", AR_FAIL))
    assert mail.sender_check(m, []) == mail.SenderCheck()
    assert not mail.sender_check(m, []).unverified


def test_header_of_an_untrusted_server_is_ignored() -> None:
    m = mail.parse(message("Wang <wang@example.com>", AR_FAIL.replace("mx.kefu", "mx.other")))
    check = mail.sender_check(m, TRUSTED)
    assert check.state == mail.Dmarc.NOT_CHECKED and not check.unverified


def test_only_the_topmost_header_of_a_trusted_server_counts() -> None:
    # the receiving server prepends its own verdict (pass); a "fail" below it came with the message
    m = mail.parse(message("Wang <wang@example.com>", AR_PASS, AR_FAIL))
    assert mail.sender_check(m, TRUSTED).state == mail.Dmarc.PASS
    # and a forged "pass" written by the sender below the real "fail" changes nothing
    m = mail.parse(message("Wang <wang@example.com>", AR_FAIL, AR_PASS))
    assert mail.sender_check(m, TRUSTED).state == mail.Dmarc.FAIL


def test_a_fail_from_any_trusted_server_wins() -> None:
    m = mail.parse(message("Wang <wang@example.com>", AR_PASS.replace("mx.kefu", "filter.kefu"), AR_FAIL))
    assert mail.sender_check(m, ["filter.kefu.example.cn", "MX.Kefu.Example.CN"]).unverified


@pytest.mark.parametrize("result", ["none", "temperror", "permerror"])
def test_other_dmarc_results_are_no_verdict(result: str) -> None:
    m = mail.parse(message("Wang <wang@example.com>", AR_FAIL.replace("dmarc=fail", f"dmarc={result}")))
    check = mail.sender_check(m, TRUSTED)
    assert check.state == mail.Dmarc.NO_VERDICT and not check.unverified


def test_no_dmarc_result_in_the_trusted_header() -> None:
    m = mail.parse(message("Wang <wang@example.com>", "Authentication-Results: mx.kefu.example.cn; none"))
    assert mail.sender_check(m, TRUSTED) == mail.SenderCheck(domain="example.com")


def test_dmarc_checked_for_another_from_domain_is_unverified() -> None:
    # the server judged another From than the one Kefu reads: the two disagree on who sent it
    m = mail.parse(
        message(
            "Wang <wang@example.com>", AR_PASS.replace("header.from=example.com", "header.from=evil.example")
        )
    )
    check = mail.sender_check(m, TRUSTED)
    assert check.unverified
    assert check.detail == "mx.kefu.example.cn: dmarc=pass header.from=evil.example (From: example.com)"


def test_forged_display_name_and_dmarc_fail_concern_the_real_address() -> None:
    # the server checked evil.example (the real From): Kefu now reads the same address and domain
    forged = f"=?utf-8?b?{b64('wang.xm@example.com, ')}?= <attacker@evil.example>"
    m = mail.parse(message(forged, AR_FAIL.replace("header.from=example.com", "header.from=evil.example")))
    check = mail.sender_check(m, TRUSTED)
    assert (m.from_address, check.state, check.domain) == (
        "attacker@evil.example",
        mail.Dmarc.FAIL,
        "evil.example",
    )

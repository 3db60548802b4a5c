"""The pure consent rules: which classes may be refused or need consent, and what an inbound SMS asks for."""

from __future__ import annotations

import pytest

from kefu.channels.outbox import consent_rules as rules
from kefu.workorders import rules as wo_rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R", rules.Keyword.OPT_OUT),
        (" td ", rules.Keyword.OPT_OUT),
        ("TD。", rules.Keyword.OPT_OUT),
        ("退订", rules.Keyword.OPT_OUT),
        ("Stop", rules.Keyword.OPT_OUT),
        ("LEIRATKOZ", rules.Keyword.OPT_OUT),
        ("leiratkozás", rules.Keyword.OPT_OUT),
        ("ＴＤ", rules.Keyword.OPT_OUT),  # full-width letters from a Chinese keyboard
        ("START", rules.Keyword.OPT_IN),
        ("恢复", rules.Keyword.OPT_IN),
        ("Feliratkozás", rules.Keyword.OPT_IN),
        ("Stop the leak", None),
        ("燃气表不走字，请不要退订我的宽带", None),
        ("RR", None),
        ("", None),
    ],
)
def test_keyword(text: str, expected: rules.Keyword | None) -> None:
    assert rules.keyword(text) == expected


@pytest.mark.parametrize(
    ("message_class", "opted_out", "consent", "expected"),
    [
        ("service", True, False, rules.Suppression.SEND),
        ("staff", True, False, rules.Suppression.SEND),
        ("reminder", False, False, rules.Suppression.SEND),
        ("reminder", True, True, rules.Suppression.OPTED_OUT),
        ("marketing", False, False, rules.Suppression.NO_CONSENT),
        ("marketing", False, True, rules.Suppression.SEND),
        ("marketing", True, True, rules.Suppression.OPTED_OUT),
    ],
)
def test_decide(message_class: str, opted_out: bool, consent: bool, expected: rules.Suppression) -> None:
    assert rules.decide(message_class, opted_out=opted_out, consent=consent) == expected


def test_configured_words() -> None:
    assert rules.keyword("回T") is None
    assert rules.keyword("回 t", extra_out=["回T"]) == rules.Keyword.OPT_OUT
    assert rules.keyword("yes please", extra_in=["Yes please"]) == rules.Keyword.OPT_IN


def test_opt_out_text_is_appended_once() -> None:
    assert rules.with_opt_out_text("您的宽带将到期。", "拒收请回复R") == "您的宽带将到期。 拒收请回复R"
    assert (
        rules.with_opt_out_text("您的宽带将到期，拒收请回复R。", "拒收请回复R")
        == "您的宽带将到期，拒收请回复R。"
    )
    assert rules.with_opt_out_text("正文", "  ") == "正文"
    assert rules.needs_opt_out_text("reminder") and rules.needs_opt_out_text("marketing")
    assert not rules.needs_opt_out_text("service") and not rules.needs_opt_out_text("staff")


def test_a_suppressed_reply_shows_its_reason() -> None:
    d = wo_rules.delivery("suppressed", 0, "suppressed: opted out")
    assert (d.state, d.reason, d.retries) == ("suppressed", "suppressed: opted out", 0)

"""The pure rules: regime per branch, identifiers to cut, redaction."""

from __future__ import annotations

from kefu.rights import rules


def test_regime_by_branch_code() -> None:
    assert rules.regime_for("budapest", ["budapest", "wien"]) is rules.Regime.GDPR
    assert rules.regime_for("Budapest", ["budapest"]) is rules.Regime.GDPR
    assert rules.regime_for("north", ["budapest"]) is rules.Regime.PIPL
    assert rules.regime_for("north", []) is rules.Regime.PIPL
    assert rules.regime_for("north", ["*"]) is rules.Regime.GDPR


def test_needles_cover_phone_forms_and_skip_single_characters() -> None:
    cut = rules.needles(["张三", "+8613800138000", "13800138000", "a", "", "x@example.com"])
    assert "13800138000" in cut and "8613800138000" in cut and "+8613800138000" in cut
    assert "a" not in cut and "" not in cut
    assert cut[0] == "+8613800138000"  # longest first
    hu = rules.needles(["+36301234567"])
    assert "06301234567" in hu


def test_redact_replaces_every_identifier_case_insensitively() -> None:
    cut = rules.needles(["张三", "13800138000", "Zhang@Example.com"])
    text = "张三来电(13800138000)，邮箱 zhang@example.com；张三丰不是他"
    assert rules.redact(text, cut) == "[…]来电([…])，邮箱 […]；[…]丰不是他"
    assert rules.redact("", cut) == ""
    assert rules.redact("无关内容", []) == "无关内容"

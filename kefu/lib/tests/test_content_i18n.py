"""Per-language values of administrators' texts with the Simplified Chinese fallback (kefu/lib/content_i18n.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from kefu.lib.content_i18n import has_translation, missing, normalise, translated, with_translation


def _service() -> SimpleNamespace:
    return SimpleNamespace(
        name="燃气泄漏抢修",
        description="到场排查漏点",
        translations={
            "en": {"name": "Gas leak repair"},
            "hu": {"name": "Gázszivárgás javítása", "description": " "},
        },
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "燃气泄漏抢修"),
        ("en", "Gas leak repair"),
        ("hu", "Gázszivárgás javítása"),
        ("zh-hant", "燃气泄漏抢修"),
    ],
)
def test_translated_falls_back_to_the_source_text(language: str, expected: str) -> None:
    assert translated(_service(), "name", language) == expected


def test_a_blank_translation_is_no_translation() -> None:
    service = _service()
    assert translated(service, "description", "hu") == "到场排查漏点"
    assert not has_translation(service, "description", "hu")
    assert missing(service, ["name", "description"]) == {
        "en": ["description"],
        "zh-hant": ["name", "description"],
        "hu": ["description"],
    }


def test_the_active_language_is_the_default_and_the_template_filter_uses_it() -> None:
    template = Template('{% load content_i18n %}{{ s|tr:"name" }}')
    with translation.override("en"):
        assert translated(_service(), "name") == "Gas leak repair"
        assert template.render(Context({"s": _service()})) == "Gas leak repair"
    with translation.override("zh-hant"):
        assert template.render(Context({"s": _service()})) == "燃气泄漏抢修"


def test_language_codes_are_normalised() -> None:
    assert normalise("en-US") == "en"
    assert normalise("zh-Hant-TW") == "zh-hant"
    assert normalise("zh-TW") == "zh-hant"
    assert normalise("zh-CN") == "zh-hans"
    assert normalise(None) == "zh-hans"


def test_with_translation_sets_and_removes_without_changing_the_input() -> None:
    before = {"en": {"name": "Gas leak repair"}}
    after = with_translation(before, "hu", "name", " Gázszivárgás ")
    assert after == {"en": {"name": "Gas leak repair"}, "hu": {"name": "Gázszivárgás"}}
    assert before == {"en": {"name": "Gas leak repair"}}
    assert with_translation(after, "en", "name", "") == {"hu": {"name": "Gázszivárgás"}}
    with pytest.raises(ValueError, match="Simplified Chinese"):
        with_translation(after, "zh-hans", "name", "x")

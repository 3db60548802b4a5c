"""Per-language values of the texts an administrator enters (docs/adr/0008-content-translations.md).

A translatable model keeps its Simplified Chinese text in the ordinary field (required, the value every
other language falls back to) and the other languages in one JSON field ``translations``::

    {"en": {"name": "Gas leak", "description": "…"}, "hu": {"name": "Gázszivárgás"}, "zh-hant": {…}}

Read a value with :func:`translated` (or the ``Translatable.tr`` method, or the ``tr`` template filter of
``kefu.organization.templatetags.content_i18n``); an editor shows which values fall back with
:func:`missing`. No Django model is imported here; only settings and translation.get_language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation

SOURCE_LANGUAGE = "zh-hans"


def content_languages() -> list[str]:
    """The enabled languages other than the source language, in the order of ``settings.LANGUAGES``."""
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def normalise(language: str | None) -> str:
    """``zh-Hant-TW`` → ``zh-hant``, ``en-us`` → ``en``: the code a translation is stored under."""
    if not language:
        return SOURCE_LANGUAGE
    code = language.lower().replace("_", "-")
    known = [c for c, _n in settings.LANGUAGES]
    if code in known:
        return code
    for candidate in known:  # zh-hant-tw → zh-hant; en-us → en
        if code.startswith(candidate + "-"):
            return candidate
    if code.startswith("zh"):
        return "zh-hant" if ("hant" in code or code.endswith(("-tw", "-hk", "-mo"))) else SOURCE_LANGUAGE
    return code.split("-")[0]


def translated(obj: Any, field: str, language: str | None = None) -> str:
    """``obj.<field>`` in ``language`` (default: the active language), the source text where none is given."""
    lang = normalise(language or translation.get_language())
    source = getattr(obj, field, "") or ""
    if lang == SOURCE_LANGUAGE:
        return source
    values = getattr(obj, "translations", None) or {}
    value = (values.get(lang) or {}).get(field)
    return value if (isinstance(value, str) and value.strip()) else source


def has_translation(obj: Any, field: str, language: str) -> bool:
    """Whether ``obj`` has its own value of ``field`` in ``language`` (the source language always has one)."""
    lang = normalise(language)
    if lang == SOURCE_LANGUAGE:
        return bool(getattr(obj, field, ""))
    value = ((getattr(obj, "translations", None) or {}).get(lang) or {}).get(field)
    return isinstance(value, str) and bool(value.strip())


def missing(obj: Any, fields: Iterable[str], languages: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Per language, the fields of ``obj`` that fall back to the source text (only non-empty source fields)."""
    langs = list(languages) if languages is not None else content_languages()
    result: dict[str, list[str]] = {}
    for lang in langs:
        gaps = [f for f in fields if getattr(obj, f, "") and not has_translation(obj, f, lang)]
        if gaps:
            result[lang] = gaps
    return result


def with_translation(
    current: Mapping[str, Any] | None, language: str, field: str, value: str
) -> dict[str, Any]:
    """A copy of a ``translations`` value with ``field`` set in ``language`` (an empty value removes it)."""
    lang = normalise(language)
    if lang == SOURCE_LANGUAGE:
        raise ValueError("the Simplified Chinese text is the model field itself, not a translation")
    result: dict[str, Any] = {k: dict(v) for k, v in (current or {}).items() if isinstance(v, Mapping)}
    entry = result.setdefault(lang, {})
    text = (value or "").strip()
    if text:
        entry[field] = text
    else:
        entry.pop(field, None)
    if not entry:
        result.pop(lang)
    return result


class Translatable:
    """Mixin for a model with a ``translations`` JSON field; list the fields in ``translatable_fields``."""

    translatable_fields: tuple[str, ...] = ()

    def tr(self, field: str, language: str | None = None) -> str:
        return translated(self, field, language)

    def missing_translations(self, languages: Iterable[str] | None = None) -> dict[str, list[str]]:
        return missing(self, self.translatable_fields, languages)

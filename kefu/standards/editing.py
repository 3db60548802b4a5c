"""Editing the standard and forbidden phrases in the console (R-24), administrators only.

A standard phrase has its Simplified Chinese text (required) and a text per other language in
``translations`` (docs/adr/0008-content-translations.md); each text may use only the phrase variables. A
forbidden phrase belongs to one language's list (or every language's) and is checked in replies to customers
of that language (``services.reply_languages``). Phrases are deactivated, never deleted (violations recorded
against them keep their meaning). Every save is one audited transaction; the checker rebuilds itself on the
next reply (``services._version`` sees the change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.standards import checker, services
from kefu.standards.models import ForbiddenPhrase, Situation, StandardPhrase

CAPABILITY = "admin"
LANGUAGE_LISTS = ("zh-hans", "en", "hu")  # the forbidden-phrase lists (``ForbiddenPhrase.language``)


def _first_error(exc: ValidationError) -> ValidationFailed:
    field, messages = next(iter(exc.message_dict.items()))
    return ValidationFailed("invalid", messages[0], field)


def standard_phrases(query: str = "", situation: str = "", missing: str = "") -> QuerySet[StandardPhrase]:
    """The phrases by situation and position; ``query`` searches every language's text, ``missing`` keeps
    those without their own text in that language (they fall back to the Simplified Chinese)."""
    qs = StandardPhrase.objects.order_by("situation", "position", "id")
    if situation:
        qs = qs.filter(situation=situation)
    if query:
        match = Q(text_zh__icontains=query)
        for lang in content_languages():
            match |= Q(**{f"translations__{lang}__text__icontains": query})
        qs = qs.filter(match)
    if missing in content_languages():
        # with_translation never stores an empty text: a language has its own text iff the key is there (the
        # first test keeps rows without the language at all, where PostgreSQL's nested has_key is NULL)
        qs = qs.filter(
            ~Q(translations__has_key=missing) | ~Q(**{f"translations__{missing}__has_key": "text"})
        )
    return qs


def forbidden_phrases(query: str = "", language: str | None = None) -> QuerySet[ForbiddenPhrase]:
    qs = ForbiddenPhrase.objects.select_related("suggestion").order_by("language", "text")
    if language is not None:
        qs = qs.filter(language=language)
    if query:
        qs = qs.filter(text__icontains=query)
    return qs


def do_save_phrase(user: Actor, phrase_id: int | None, data: Mapping[str, Any]) -> StandardPhrase:
    """Create or change a standard phrase from form fields: situation, text_zh, text__<language>,
    position, active."""
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        if phrase_id is None:
            phrase, before = StandardPhrase(), {}
        else:
            found = StandardPhrase.objects.select_for_update().filter(pk=phrase_id).first()
            if found is None:
                raise NotFound("not_found", _("No such phrase."))
            phrase, before = found, audit.snapshot(found)
        situation = str(data.get("situation", ""))
        if situation not in Situation.values:
            raise ValidationFailed("situation", _("Choose a situation."), "situation")
        phrase.situation = situation
        phrase.text_zh = str(data.get("text_zh", "")).strip()
        if not phrase.text_zh:
            raise ValidationFailed("required", _("The Simplified Chinese text is required."), "text_zh")
        translations = dict(phrase.translations or {})
        for lang in content_languages():
            key = f"text__{lang}"
            if key in data:
                translations = with_translation(translations, lang, "text", str(data.get(key, "")))
        phrase.translations = translations
        position = str(data.get("position", phrase.position)).strip()
        if not position.isdecimal() or int(position) > 32767:
            raise ValidationFailed(
                "position", _("The position is a whole number from 0 to 32767."), "position"
            )
        phrase.position = int(position)
        phrase.active = bool(data.get("active"))
        try:
            phrase.clean()
        except ValidationError as exc:
            raise _first_error(exc) from None
        phrase.save()
        audit.record(
            user,
            "phrase.created" if not before else "phrase.changed",
            phrase,
            before=before,
            after=audit.snapshot(phrase),
            summary=phrase.text_zh[:80],
        )
    return phrase


def do_save_forbidden(user: Actor, forbidden_id: int | None, data: Mapping[str, Any]) -> ForbiddenPhrase:
    """Create or change a forbidden phrase from form fields: text, language, mode, unless_after,
    suggestion (a standard phrase id or empty), active."""
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        if forbidden_id is None:
            row, before = ForbiddenPhrase(), {}
        else:
            found = ForbiddenPhrase.objects.select_for_update().filter(pk=forbidden_id).first()
            if found is None:
                raise NotFound("not_found", _("No such forbidden phrase."))
            row, before = found, audit.snapshot(found)
        row.text = str(data.get("text", "")).strip()
        if not row.text:
            raise ValidationFailed("required", _("Write the phrase."), "text")
        if len(row.text) > 200:
            raise ValidationFailed("too_long", _("A phrase is at most 200 characters."), "text")
        clash = ForbiddenPhrase.objects.filter(text__iexact=row.text).exclude(pk=row.pk).first()
        if clash is not None:
            raise ValidationFailed("duplicate", _("This phrase is in the list already."), "text")
        language = str(data.get("language", ""))
        if language not in ("", *LANGUAGE_LISTS):
            raise ValidationFailed("language", _("Choose a language list."), "language")
        row.language = language
        mode = str(data.get("mode", ForbiddenPhrase.Mode.ANYWHERE))
        if mode not in ForbiddenPhrase.Mode.values:
            raise ValidationFailed("mode", _("Choose where the phrase counts."), "mode")
        row.mode = mode
        row.unless_after = " ".join(str(data.get("unless_after", "")).split())[:200]
        suggestion = str(data.get("suggestion", "") or "")
        row.suggestion = None
        if suggestion:
            row.suggestion = (
                StandardPhrase.objects.filter(pk=int(suggestion)).first() if suggestion.isdecimal() else None
            )
            if row.suggestion is None:
                raise ValidationFailed("suggestion", _("Choose a standard phrase."), "suggestion")
        row.active = bool(data.get("active"))
        try:
            row.clean()
        except ValidationError as exc:
            raise _first_error(exc) from None
        row.save()
        audit.record(
            user,
            "forbidden_phrase.created" if not before else "forbidden_phrase.changed",
            row,
            before=before,
            after=audit.snapshot(row),
            summary=row.text,
        )
    return row


@dataclass(frozen=True)
class TestResult:
    text: str
    language: str
    matches: list[dict[str, Any]]
    lists: list[str]  # the language lists the sentence was checked against


def test_sentence(user: Actor, text: str, language: str) -> TestResult:
    """Run the reply check on ``text`` as for a customer of ``language`` (nothing is recorded)."""
    require_staff(user, CAPABILITY)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("required", _("Write a sentence to test."), "sentence")
    if len(text) > 2000:
        raise ValidationFailed("too_long", _("Test at most 2,000 characters."), "sentence")
    langs = services.reply_languages(text, language or "zh-hans")
    found: list[checker.Match] = services.forbidden_checker(langs).find(text)
    return TestResult(text, language, services.match_payload(found), sorted(langs))

"""Editing the standard and forbidden phrases in the console (R-24), administrators only.

A standard phrase has its Simplified Chinese text (required) and a text per other language in
``translations`` (docs/adr/0008-content-translations.md); each text may use only the phrase variables. A
forbidden phrase belongs to one language's list (or every language's) and is checked in replies to customers
of that language (``services.reply_languages``). Phrases are deactivated, never deleted (violations recorded
against them keep their meaning). Every save is one audited transaction; the checker rebuilds itself on the
next reply (``services._version`` sees the change). A change is saved now or from a date
(``do_schedule_*``, applied by ``organization.revisions``); a save over a change made after the form was
opened (its ``version``) is refused. Errors use the project's codes (``required``, ``invalid``,
``invalid_choice``, ``too_long``, ``duplicate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization import revisions
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import ConfigRevision
from kefu.standards import checker, services
from kefu.standards.models import ForbiddenPhrase, Situation, StandardPhrase

CAPABILITY = "admin"
LANGUAGE_LISTS = ("zh-hans", "en", "hu")  # the forbidden-phrase lists (``ForbiddenPhrase.language``)
Row = TypeVar("Row", StandardPhrase, ForbiddenPhrase)


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


def _fill_phrase(phrase: StandardPhrase, data: Mapping[str, Any]) -> None:
    """Set a standard phrase's fields from form fields (not saved): situation, text_zh,
    text__<language>, position, active; ValidationFailed naming the field."""
    situation = str(data.get("situation", ""))
    if situation not in Situation.values:
        raise ValidationFailed("invalid_choice", _("Choose a situation."), "situation")
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
        raise ValidationFailed("invalid", _("The position is a whole number from 0 to 32767."), "position")
    phrase.position = int(position)
    phrase.active = bool(data.get("active"))
    _check(phrase)


def _check(row: StandardPhrase | ForbiddenPhrase) -> None:
    """The model's own checks, and for a forbidden phrase that its text is in no list yet."""
    if isinstance(row, ForbiddenPhrase):
        clash = ForbiddenPhrase.objects.filter(text__iexact=row.text).exclude(pk=row.pk).first()
        if clash is not None:
            raise ValidationFailed("duplicate", _("This phrase is in the list already."), "text")
    try:
        row.clean()
    except ValidationError as exc:
        raise _first_error(exc) from None


def _fill_forbidden(row: ForbiddenPhrase, data: Mapping[str, Any]) -> None:
    """Set a forbidden phrase's fields from form fields (not saved): text, language, mode, unless_after,
    suggestion (a standard phrase id or empty), active; ValidationFailed naming the field."""
    row.text = str(data.get("text", "")).strip()
    if not row.text:
        raise ValidationFailed("required", _("Write the phrase."), "text")
    if len(row.text) > 200:
        raise ValidationFailed("too_long", _("A phrase is at most 200 characters."), "text")
    language = str(data.get("language", ""))
    if language not in ("", *LANGUAGE_LISTS):
        raise ValidationFailed("invalid_choice", _("Choose a language list."), "language")
    row.language = language
    mode = str(data.get("mode", ForbiddenPhrase.Mode.ANYWHERE))
    if mode not in ForbiddenPhrase.Mode.values:
        raise ValidationFailed("invalid_choice", _("Choose where the phrase counts."), "mode")
    row.mode = mode
    row.unless_after = " ".join(str(data.get("unless_after", "")).split())[:200]
    suggestion = str(data.get("suggestion", "") or "")
    row.suggestion = None
    if suggestion:
        row.suggestion = (
            StandardPhrase.objects.filter(pk=int(suggestion)).first() if suggestion.isdecimal() else None
        )
        if row.suggestion is None:
            raise ValidationFailed("invalid_choice", _("Choose a standard phrase."), "suggestion")
    row.active = bool(data.get("active"))
    _check(row)


def _locked(model: type[Row], pk: int, version: Any) -> Row:
    found = model.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        missing = _("No such phrase.") if model is StandardPhrase else _("No such forbidden phrase.")
        raise NotFound("not_found", missing)
    revisions.check_version(found, version)
    return found


def _save(actor: Any, row: StandardPhrase | ForbiddenPhrase, before: dict[str, Any], note: str = "") -> None:
    """Save ``row`` and write its audit record (``phrase.*`` or ``forbidden_phrase.*``), in one transaction."""
    row.save()
    prefix = "phrase" if isinstance(row, StandardPhrase) else "forbidden_phrase"
    text = row.text_zh[:80] if isinstance(row, StandardPhrase) else row.text
    b, a = audit.diff(before, audit.snapshot(row)) if before else ({}, audit.snapshot(row))
    a.pop("updated_at", None)
    b.pop("updated_at", None)
    audit.record(
        actor,
        f"{prefix}.created" if not before else f"{prefix}.changed",
        row,
        before=b,
        after=a,
        summary=f"{text} {note}".strip(),
    )


def _save_now(
    user: Actor, model: type[Row], pk: int | None, data: Mapping[str, Any], fill: Any, version: Any
) -> Row:
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        row = model() if pk is None else _locked(model, pk, version)
        before = audit.snapshot(row) if pk is not None else {}
        fill(row, data)
        _save(user, row, before)
    return row


def _schedule(
    user: Actor, model: type[Row], pk: int, data: Mapping[str, Any], fill: Any, when: Any, version: Any
) -> ConfigRevision:
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        row = _locked(model, pk, version)
        before = values(row)
        fill(row, data)
        return revisions.schedule(user, row, before, values(row), when)


def values(row: StandardPhrase | ForbiddenPhrase) -> dict[str, Any]:
    """The values a change can touch, JSON-ready (a scheduled change's ``patch``)."""
    if isinstance(row, StandardPhrase):
        return {
            "situation": row.situation,
            "text_zh": row.text_zh,
            "translations": dict(row.translations or {}),
            "position": row.position,
            "active": row.active,
        }
    return {
        "text": row.text,
        "language": row.language,
        "mode": row.mode,
        "unless_after": row.unless_after,
        "suggestion": row.suggestion_id,
        "active": row.active,
    }


def do_save_phrase(
    user: Actor, phrase_id: int | None, data: Mapping[str, Any], *, version: Any = None
) -> StandardPhrase:
    """Create or change a standard phrase now (see :func:`_fill_phrase` for the form fields); ``version``
    (the form's) refuses a save over someone else's change."""
    return _save_now(user, StandardPhrase, phrase_id, data, _fill_phrase, version)


def do_save_forbidden(
    user: Actor, forbidden_id: int | None, data: Mapping[str, Any], *, version: Any = None
) -> ForbiddenPhrase:
    """Create or change a forbidden phrase now (see :func:`_fill_forbidden`)."""
    return _save_now(user, ForbiddenPhrase, forbidden_id, data, _fill_forbidden, version)


def do_schedule_phrase(
    user: Actor, phrase_id: int, data: Mapping[str, Any], effective_from: Any, *, version: Any = None
) -> ConfigRevision:
    """Save a change of a standard phrase to take effect at ``effective_from`` (``revisions.schedule``)."""
    return _schedule(user, StandardPhrase, phrase_id, data, _fill_phrase, effective_from, version)


def do_schedule_forbidden(
    user: Actor, forbidden_id: int, data: Mapping[str, Any], effective_from: Any, *, version: Any = None
) -> ConfigRevision:
    """Save a change of a forbidden phrase to take effect at ``effective_from``."""
    return _schedule(user, ForbiddenPhrase, forbidden_id, data, _fill_forbidden, effective_from, version)


def _apply(
    actor: Any, row: StandardPhrase | ForbiddenPhrase, new: dict[str, Any], rev: ConfigRevision
) -> None:
    before = audit.snapshot(row)
    for name, value in new.items():
        setattr(row, "suggestion_id" if name == "suggestion" else name, value)
    _check(row)
    _save(actor, row, before, _("(scheduled change %(n)d)") % {"n": rev.pk})


def _labels() -> dict[str, Any]:
    return {
        "situation": _("Situation"),
        "text_zh": _("Text"),
        "text": _("Phrase"),
        "translations": _("Other languages"),
        "position": _("Position"),
        "active": _("Active"),
        "language": _("List"),
        "mode": _("Match"),
        "unless_after": _("Not after"),
        "suggestion": _("Say instead"),
    }


def _all_for_admins(model: type[Model]) -> Any:
    manager = model._default_manager
    return lambda staff: manager.all() if staff.can(CAPABILITY) else manager.none()


def _current(row: StandardPhrase | ForbiddenPhrase, keys: Any) -> dict[str, Any]:
    wanted = set(keys)
    return {k: v for k, v in values(row).items() if k in wanted}


def register_revision_kinds() -> None:
    """Standard and forbidden phrases are versioned (``organization.revisions``); from the app's ``ready``."""
    for model in (StandardPhrase, ForbiddenPhrase):
        revisions.register(
            revisions.Kind(
                name=model._meta.label_lower,
                model=model,
                capability=CAPABILITY,
                editable=_all_for_admins(model),
                current=_current,
                apply=_apply,
                time_zone=lambda _row: settings.TIME_ZONE,
                field_label=revisions.labels(_labels),
            )
        )


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

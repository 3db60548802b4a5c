"""Editing the SMS templates in the console (Configuration → SMS templates), administrators only.

One template per kind of message (``SmsTemplateCode``): the Simplified Chinese text (required: every other
language falls back to it) in the kind's ``zh-hans`` row, the other languages in its ``translations``
(docs/adr/0008-content-translations.md) — or, for a language with a row of its own (a wording registered
with the provider under its own id), in that row. The templates are the company's (no per-branch rows):
branch managers read them, administrators change them.

Every text is checked before anything is saved (``check_text``): a ``{placeholder}`` the kind does not offer
is refused by name, and so is a text without a placeholder the kind cannot do without (``REQUIRED``: a
sign-in SMS without its link is useless). ``preview`` renders the texts — saved or not — with sample values
in any language, exactly as ``sms_templates.render`` and the outbox would, and counts the SMS segments
(``sms_length``). ``do_save_template`` writes the rows and one service-log record each (R-33) in one
transaction; the outbox reads the change at once (``config_cache``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.channels.models.endpoints import SmsTemplate, SmsTemplateCode
from kefu.channels.outbox import consent, consent_rules, sms_templates
from kefu.channels.outbox.sms_length import SmsLength, sms_length
from kefu.lib.content_i18n import (
    SOURCE_LANGUAGE,
    content_languages,
    has_translation,
    normalise,
    with_translation,
)
from kefu.lib.errors import KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff

VIEW_CAPABILITY = "config.branch"
EDIT_CAPABILITY = "admin"
MAX_TEXT = 500  # characters of one language's text (some seven SMS segments of Chinese)
AUDITED = ["code", "language", "text", "translations", "signature", "provider_template_id", "active"]

# what each kind is for: when Kefu sends it
PURPOSES: dict[str, Any] = {
    SmsTemplateCode.PORTAL_LINK: gettext_lazy(
        "The one-time link a customer asked for to sign in to the portal."
    ),
    SmsTemplateCode.MATERIALS_NOTICE: gettext_lazy(
        "The one-time notice listing every missing material of an order at once (R-11)."
    ),
    SmsTemplateCode.MAINTENANCE: gettext_lazy(
        "Planned maintenance, to the customers of the areas it affects, at least 24 hours ahead (R-17)."
    ),
    SmsTemplateCode.FEE_REMINDER: gettext_lazy(
        "A subscription is about to expire (R-17); a reminder, so it carries the opt-out text."
    ),
    SmsTemplateCode.REPLY: gettext_lazy("An agent's reply to an order that came in by SMS."),
    SmsTemplateCode.SURVEY: gettext_lazy(
        "The satisfaction survey after an order was resolved; a reminder, so it carries the opt-out text."
    ),
    SmsTemplateCode.OPT_OUT: gettext_lazy(
        "The sentence appended to every reminder and marketing SMS telling how to refuse them."
    ),
    SmsTemplateCode.OPT_OUT_CONFIRM: gettext_lazy(
        "The answer to a customer who replied to refuse reminders."
    ),
    SmsTemplateCode.OPT_IN_CONFIRM: gettext_lazy("The answer to a customer who subscribed again."),
}

# placeholders a kind cannot do without (the message is useless or misleading without them)
REQUIRED: dict[str, tuple[str, ...]] = {
    SmsTemplateCode.PORTAL_LINK: ("url",),
    SmsTemplateCode.MATERIALS_NOTICE: ("missing_materials",),
    SmsTemplateCode.MAINTENANCE: ("start", "end"),
    SmsTemplateCode.FEE_REMINDER: ("product", "due"),
    SmsTemplateCode.REPLY: ("text",),
    SmsTemplateCode.SURVEY: ("url",),
}

# the sample order and customer of the preview, per language (data, not interface text)
_SAMPLE_WORDS: dict[str, dict[str, str]] = {
    "zh-hans": {
        "customer_name": "张伟",
        "missing_materials": "身份证复印件、房产证",
        "service": "燃气开户",
        "branch": "城北分公司",
        "title": "燃气管道检修",
        "areas": "幸福小区",
        "product": "有线电视",
        "text": "您好，明天上午师傅上门检修。",
    },
    "zh-hant": {
        "customer_name": "張偉",
        "missing_materials": "身分證影本、房產證",
        "service": "燃氣開戶",
        "branch": "城北分公司",
        "title": "燃氣管道檢修",
        "areas": "幸福社區",
        "product": "有線電視",
        "text": "您好，明天上午師傅上門檢修。",
    },
    "en": {
        "customer_name": "Zhang Wei",
        "missing_materials": "copy of ID card, property certificate",
        "service": "gas connection",
        "branch": "North branch",
        "title": "Gas main maintenance",
        "areas": "Xingfu estate",
        "product": "cable TV",
        "text": "Hello, our technician will come tomorrow morning.",
    },
    "hu": {
        "customer_name": "Kovács Anna",
        "missing_materials": "személyi igazolvány másolata, tulajdoni lap",
        "service": "gázbekötés",
        "branch": "Északi kirendeltség",
        "title": "Gázvezeték karbantartása",
        "areas": "Xingfu lakótelep",
        "product": "kábeltévé",
        "text": "Jó napot! Szerelőnk holnap délelőtt érkezik.",
    },
}
_SAMPLE_COMMON = {
    "order_number": "GD-20261207-000123",
    "url": "https://kefu.example.com/p/Ab3xY9",
    "minutes": "30",
    "due": "2026-12-31",
    "start": "2026-12-10 08:00",
    "end": "2026-12-10 17:00",
    "hotline": "96777",
}


def languages() -> list[str]:
    """The languages a template has a text in: Simplified Chinese first, then the enabled others."""
    return [SOURCE_LANGUAGE, *content_languages()]


def sample_values(code: str, language: str) -> dict[str, str]:
    """The sample order and customer the preview fills ``code``'s placeholders with."""
    words = _SAMPLE_WORDS.get(normalise(language), _SAMPLE_WORDS["en"])
    values = {**_SAMPLE_COMMON, **words}
    return {k: v for k, v in values.items() if k in sms_templates.VARIABLES.get(code, ())}


def field_name(language: str) -> str:
    """The form field of a language's text: ``text`` for Simplified Chinese, ``text__en`` … for the others."""
    return "text" if language == SOURCE_LANGUAGE else f"text__{language}"


def _names(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"{{{n}}}" for n in names)


def check_text(code: str, text: str, field: str) -> list[KefuError]:
    """What is wrong with ``text`` as a template of ``code`` (each error names ``field``)."""
    errors: list[KefuError] = []
    unknown = sms_templates.unknown_variables(code, text)
    offered = sms_templates.VARIABLES.get(code, ())
    if unknown:
        errors.append(
            ValidationFailed(
                "unknown_placeholder",
                _("Unknown placeholder %(names)s: this kind of message offers %(allowed)s.")
                % {"names": _names(unknown), "allowed": _names(offered) or _("none")},
                field,
            )
        )
    used = set(sms_templates.placeholders(text))
    missing = [n for n in REQUIRED.get(code, ()) if n not in used]
    if missing:
        errors.append(
            ValidationFailed(
                "missing_placeholder",
                _("The text must contain %(names)s: without it this message is of no use to the customer.")
                % {"names": _names(missing)},
                field,
            )
        )
    if len(text) > MAX_TEXT:
        errors.append(
            ValidationFailed(
                "too_long",
                _("At most %(max)d characters (this text has %(count)d).")
                % {"max": MAX_TEXT, "count": len(text)},
                field,
            )
        )
    return errors


@dataclass(frozen=True)
class LanguageState:
    language: str
    # "own": a text of its own; "row": a row of its own; "fallback": the Simplified Chinese; "builtin"
    state: str


@dataclass(frozen=True)
class TemplateRow:
    code: str
    label: str
    purpose: str
    template: SmsTemplate | None  # the Simplified Chinese row (None: the built-in text is sent)
    languages: list[LanguageState]

    @property
    def filled(self) -> int:
        return sum(1 for s in self.languages if s.state in ("own", "row"))


def _own_rows(code: str) -> dict[str, SmsTemplate]:
    return {
        normalise(r.language): r
        for r in SmsTemplate.objects.filter(code=code).exclude(language=SOURCE_LANGUAGE).order_by("id")
    }


def _states(source: SmsTemplate | None, own: Mapping[str, SmsTemplate]) -> list[LanguageState]:
    states = []
    for lang in languages():
        if lang in own and own[lang].text.strip():
            state = "row"
        elif source is None or not source.active:
            state = "builtin"
        elif lang == SOURCE_LANGUAGE or has_translation(source, "text", lang):
            state = "own"
        else:
            state = "fallback"
        states.append(LanguageState(lang, state))
    return states


def overview(user: Actor) -> list[TemplateRow]:
    """Every kind of SMS with its template (if any) and, per language, whether it has a text of its own."""
    require_staff(user, VIEW_CAPABILITY)
    rows: dict[str, list[SmsTemplate]] = {}
    for t in SmsTemplate.objects.order_by("code", "id"):  # at most a few dozen rows
        rows.setdefault(t.code, []).append(t)
    result = []
    for code, label in SmsTemplateCode.choices:
        of_code = rows.get(code, [])
        source = next((t for t in of_code if normalise(t.language) == SOURCE_LANGUAGE), None)
        own = {normalise(t.language): t for t in of_code if normalise(t.language) != SOURCE_LANGUAGE}
        result.append(
            TemplateRow(code, str(label), str(PURPOSES.get(code, "")), source, _states(source, own))
        )
    return result


@dataclass(frozen=True)
class Editing:
    """What the editor shows of one kind: its Simplified Chinese row and the rows of their own language."""

    code: str
    label: str
    purpose: str
    template: SmsTemplate | None
    own: dict[str, SmsTemplate]
    variables: tuple[str, ...]
    required: tuple[str, ...]

    def text(self, language: str) -> str:
        if language in self.own:
            return self.own[language].text
        if self.template is None:
            return ""
        if language == SOURCE_LANGUAGE:
            return self.template.text
        return ((self.template.translations or {}).get(language) or {}).get("text", "")


def editing(user: Actor, code: str) -> Editing:
    require_staff(user, VIEW_CAPABILITY)
    if code not in SmsTemplateCode.values:
        raise NotFound("not_found", _("No such kind of SMS."))
    template = SmsTemplate.objects.filter(code=code, language=SOURCE_LANGUAGE).first()
    return Editing(
        code,
        str(SmsTemplateCode(code).label),
        str(PURPOSES.get(code, "")),
        template,
        _own_rows(code),
        sms_templates.VARIABLES.get(code, ()),
        REQUIRED.get(code, ()),
    )


@dataclass(frozen=True)
class Preview:
    language: str
    body: str
    length: SmsLength
    registered: bool  # the provider's registered template goes with it


def _form_template(code: str, data: Mapping[str, Any], language: str) -> SmsTemplate:
    """An unsaved template carrying the form's texts (the row the outbox would use for ``language``)."""
    own = _own_rows(code).get(language)
    if own is not None:
        row = SmsTemplate(code=code, language=language, text=str(data.get(field_name(language), "")).strip())
        row.signature, row.provider_template_id = own.signature, own.provider_template_id
        return row
    translations: dict[str, Any] = {}
    for lang in content_languages():
        translations = with_translation(translations, lang, "text", str(data.get(field_name(lang), "")))
    return SmsTemplate(
        code=code,
        language=SOURCE_LANGUAGE,
        text=str(data.get("text", "")).strip(),
        translations=translations,
        signature=str(data.get("signature", "")).strip(),
        provider_template_id=str(data.get("provider_template_id", "")).strip(),
    )


def preview(user: Actor, code: str, data: Mapping[str, Any], language: str) -> Preview:
    """The SMS of kind ``code`` a sample customer of ``language`` would receive with the form's texts (nothing
    is saved): the outbox's own rendering, the opt-out sentence of a reminder included, and its length."""
    require_staff(user, VIEW_CAPABILITY)
    if code not in SmsTemplateCode.values:
        raise NotFound("not_found", _("No such kind of SMS."))
    lang = normalise(language)
    if lang not in languages():
        raise ValidationFailed("invalid_choice", _("Choose a language."), "preview_language")
    row = _form_template(code, data, lang)
    rendered = sms_templates.render(code, "", sample_values(code, lang), row, language=lang)
    body = consent.sms_body(rendered.body, sms_templates.CLASSES.get(code, "service"), lang)
    return Preview(lang, body, sms_length(body), bool(rendered.template))


def _check_all(code: str, data: Mapping[str, Any], own: Mapping[str, SmsTemplate]) -> list[KefuError]:
    errors: list[KefuError] = []
    text = str(data.get("text", "")).strip()
    if not text:
        errors.append(
            ValidationFailed(
                "required",
                _("Enter the Simplified Chinese text: every other language falls back to it."),
                "text",
            )
        )
    else:
        errors += check_text(code, text, "text")
    for lang in content_languages():
        name = field_name(lang)
        value = str(data.get(name, "")).strip()
        if value:
            errors += check_text(code, value, name)
        elif lang in own:
            errors.append(
                ValidationFailed(
                    "required",
                    _(
                        "This language has a template of its own registered with the provider: enter its text."
                    ),
                    name,
                )
            )
    signature = str(data.get("signature", "")).strip()
    if len(signature) > 30:
        errors.append(ValidationFailed("too_long", _("At most 30 characters."), "signature"))
    provider_id = str(data.get("provider_template_id", "")).strip()
    if len(provider_id) > 100:
        errors.append(ValidationFailed("too_long", _("At most 100 characters."), "provider_template_id"))
    # the provider sends its registered text as it is: Kefu cannot append the opt-out sentence to it
    if text and provider_id and consent_rules.needs_opt_out_text(sms_templates.CLASSES.get(code, "service")):
        wording = consent.opt_out_text(SOURCE_LANGUAGE)
        if not consent_rules.has_opt_out_text(text, wording):
            errors.append(
                ValidationFailed(
                    "opt_out_missing",
                    _(
                        "This kind of SMS may be refused, so its registered text must tell how: add "
                        "“%(text)s” (the opt-out text of this language)."
                    )
                    % {"text": wording},
                    "text",
                )
            )
    return errors


def do_save_template(user: Actor, code: str, data: Mapping[str, Any]) -> SmsTemplate:
    """Create or change the template of kind ``code`` from the form fields ``text`` (Simplified Chinese),
    ``text__<language>``, ``signature``, ``provider_template_id`` and ``active``; all or nothing, audited."""
    require_staff(user, EDIT_CAPABILITY)
    if code not in SmsTemplateCode.values:
        raise NotFound("not_found", _("No such kind of SMS."))
    with transaction.atomic():
        own = {
            normalise(r.language): r
            for r in SmsTemplate.objects.select_for_update()
            .filter(code=code)
            .exclude(language=SOURCE_LANGUAGE)
            .order_by("id")
        }
        raise_if(_check_all(code, data, own))
        row = SmsTemplate.objects.select_for_update().filter(code=code, language=SOURCE_LANGUAGE).first()
        before = audit.snapshot(row, AUDITED) if row is not None else None
        if row is None:
            row = SmsTemplate(code=code, language=SOURCE_LANGUAGE)
        # translations of a language no longer enabled stay as they were
        kept = {k: v for k, v in (row.translations or {}).items() if k not in content_languages()}
        translations: dict[str, Any] = dict(kept)
        for lang in content_languages():
            if lang not in own:
                translations = with_translation(
                    translations, lang, "text", str(data.get(field_name(lang), ""))
                )
        row.text = str(data.get("text", "")).strip()
        row.translations = translations
        row.signature = str(data.get("signature", "")).strip()
        row.provider_template_id = str(data.get("provider_template_id", "")).strip()
        row.active = bool(data.get("active"))
        row.save()
        after = audit.snapshot(row, AUDITED)
        old, new = audit.diff(before, after) if before is not None else ({}, after)
        audit.record(
            user,
            "sms_template.save",
            row,
            before=old if before is not None else None,
            after=new,
            summary=_("SMS template “%(kind)s” saved") % {"kind": SmsTemplateCode(code).label},
        )
        for lang, other in own.items():
            text = str(data.get(field_name(lang), "")).strip()
            if text != other.text:
                previous = other.text
                other.text = text
                other.save(update_fields=["text", "updated_at"])
                audit.record(
                    user,
                    "sms_template.save",
                    other,
                    before={"text": previous},
                    after={"text": text},
                    summary=_("SMS template “%(kind)s” (%(language)s) saved")
                    % {"kind": SmsTemplateCode(code).label, "language": lang},
                )
    return row

"""Reading the standards from the database: the cached forbidden-phrase automaton, phrase rendering for an
order, greeting warnings. Writes live in ``actions.py``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.lib.content_i18n import SOURCE_LANGUAGE, content_languages, has_translation, normalise, translated
from kefu.lib.errors import ValidationFailed
from kefu.organization import config_cache
from kefu.standards import checker, defaults, rules
from kefu.standards.models import ForbiddenPhrase, GreetingRule, StandardPhrase
from kefu.workorders.models import WorkOrder

_lock = threading.Lock()
_cached: dict[frozenset[str] | None, tuple[Any, checker.Checker]] = {}


def _version() -> int:
    """Changes whenever a forbidden phrase or greeting rule is added, edited, deactivated or deleted (the
    configuration token of ``kefu.organization.config_cache``: no query when the request has it)."""
    return config_cache.token(config_cache.STANDARDS)


def reply_languages(text: str, customer_language: str | None) -> frozenset[str]:
    """The phrase lists a reply is checked against: the customer's language; Chinese whenever the reply is
    written in Chinese (the staff's own language, in either script), English whenever it has Latin letters (the
    second language: an English insult is one to any customer). Other lists — Hungarian — apply to replies to
    customers of that language only, so their words cannot flag an English or Chinese text."""
    base = (customer_language or "zh-hans").lower()
    langs = {"zh-hans" if base.startswith("zh") else base.split("-")[0]}
    if is_chinese(text):
        langs.add("zh-hans")
    if any("a" <= ch <= "z" for ch in text.lower()):
        langs.add("en")
    return frozenset(langs)


def forbidden_checker(languages: frozenset[str] | None = None) -> checker.Checker:
    """The automaton of the active forbidden phrases of ``languages`` (and those for every language; all
    phrases when None), rebuilt when the list changed (one aggregate query)."""
    version = _version()
    cached = _cached.get(languages)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        rows = ForbiddenPhrase.objects.filter(active=True).order_by("id")
        if languages is not None:
            rows = rows.filter(language__in=["", *languages])
        built = checker.build(
            checker.Phrase(r.pk, r.text, r.mode, unless_after=tuple(r.unless_after.split())) for r in rows
        )
        _cached[languages] = (version, built)
    return built


def order_language(order: WorkOrder) -> str:
    """The language replies on ``order`` are written to: the customer's, else their branch's."""
    customer = order.customer if order.customer_id else None
    return (customer.language if customer is not None else "") or config_cache.branch_of(order).language


def order_checker(order: WorkOrder, text: str) -> checker.Checker:
    """The checker for a reply ``text`` on ``order``: in the customer's language (see reply_languages)."""
    return forbidden_checker(reply_languages(text, order_language(order)))


def is_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def missing_materials(order: WorkOrder) -> list[Any]:
    """The order's required materials not yet supplied, in checklist order (names with their translations)."""
    return list(
        order.materials.filter(required=True, supplied=False)
        .order_by("order", "id")
        .only("name", "translations")
    )


def order_values(
    order: WorkOrder, language: str | None = None, missing: list[Any] | None = None
) -> dict[str, str | None]:
    """The values of the phrase variables for ``order``: the missing materials named in ``language`` (default:
    the active one; ADR 0008), the deadline in the current (user's) time zone. ``missing``: already read."""
    lang = normalise(language or get_language() or SOURCE_LANGUAGE)
    names = [
        translated(m, "name", lang) for m in (missing if missing is not None else missing_materials(order))
    ]
    sep = "、" if lang.startswith("zh") else ", "
    return {
        "customer_name": order.customer.name if order.customer_id else None,
        "order_number": order.number,
        "missing_materials": sep.join(names) or None,
        "deadline": date_format(timezone.localtime(order.due_at), "Y-m-d H:i") if order.due_at else None,
    }


def problem_error(problem: rules.Problem, field: str = "body") -> ValidationFailed:
    known = ", ".join("{" + n + "}" for n in rules.VARIABLES)
    if problem.code == "unknown_variable":
        msg = _("Unknown variable {%(name)s}: the phrase library knows %(known)s.") % {
            "name": problem.variable,
            "known": known,
        }
    else:
        msg = _("{%(name)s} has no value on this order yet; fill it in by hand.") % {"name": problem.variable}
    return ValidationFailed(problem.code, msg, field, variable=problem.variable)


@dataclass
class RenderedPhrase:
    phrase: StandardPhrase
    language: str
    text: str
    errors: list[ValidationFailed]


def render_for_order(
    phrase: StandardPhrase, order: WorkOrder, language: str, values: Any = None
) -> RenderedPhrase:
    values = values if values is not None else order_values(order, language)
    r = rules.render(phrase.text_for(language), values)
    return RenderedPhrase(phrase, language, r.text, [problem_error(p) for p in r.problems])


def phrase_key(language: str | None) -> str:
    """The key a rendered phrase has in a library entry: ``zh`` for Simplified Chinese, else the language."""
    lang = normalise(language)
    return "zh" if lang == SOURCE_LANGUAGE else lang


def library_languages() -> list[str]:
    """Every enabled language as a library key: ``zh`` (the source) and the others in settings order."""
    return ["zh", *content_languages()]


def library(order: WorkOrder | None = None, languages: list[str] | None = None) -> list[dict[str, Any]]:
    """The active phrases grouped by situation, rendered for ``order`` when given, under the key of each of
    ``languages`` (``library_languages()`` by default) where the phrase has its own text in it (``zh``
    always)."""
    missing = missing_materials(order) if order is not None else None
    values: dict[str, Any] = {}  # per language: the material names differ
    groups: dict[str, dict[str, Any]] = {}
    for p in StandardPhrase.objects.filter(active=True):
        g = groups.setdefault(p.situation, {"situation": p.get_situation_display(), "phrases": []})
        entry: dict[str, Any] = {"phrase": p}
        for lang in languages if languages is not None else library_languages():
            if lang != "zh" and not has_translation(p, "text", lang):
                continue
            if order is not None:
                if lang not in values:
                    values[lang] = order_values(order, "zh-hans" if lang == "zh" else lang, missing)
                entry[lang] = render_for_order(p, order, lang, values[lang])
            else:
                entry[lang] = RenderedPhrase(p, lang, p.text_for(lang), [])
        g["phrases"].append(entry)
    return list(groups.values())


def match_payload(matches: list[checker.Match], order: WorkOrder | None = None) -> list[dict[str, Any]]:
    """What the agent is shown and the API returns: each match, where, and what to say instead."""
    rows = {
        r.pk: r
        for r in ForbiddenPhrase.objects.filter(pk__in={m.phrase.id for m in matches}).select_related(
            "suggestion"
        )
    }
    missing = missing_materials(order) if order is not None else None
    out = []
    for m in matches:
        row = rows.get(m.phrase.id)
        suggestion = ""
        if row is not None and row.suggestion is not None:
            lang = row.language or ("zh" if is_chinese(m.phrase.text) else "en")
            values = order_values(order, "zh-hans" if lang == "zh" else lang, missing) if order else {}
            suggestion = rules.render(row.suggestion.text_for(lang), values).text
        out.append(
            {
                "phrase": m.phrase.text,
                "matched": m.matched,
                "start": m.start,
                "end": m.end,
                "suggestion": suggestion,
            }
        )
    return out


def forbidden_error(payload: list[dict[str, Any]]) -> ValidationFailed:
    items = []
    for p in payload:
        if p["suggestion"]:
            items.append(
                _("“%(matched)s” (forbidden phrase “%(phrase)s”; say instead: “%(suggestion)s”)") % p
            )
        else:
            items.append(_("“%(matched)s” (forbidden phrase “%(phrase)s”)") % p)
    message = _(
        "The reply contains a forbidden phrase: %(items)s. Rephrase it, or give a reason to send it as it is."
    ) % {"items": "; ".join(items)}
    return ValidationFailed("forbidden_phrase", message, "body", matches=payload)


def _greeting_specs() -> list[dict[str, rules.GreetingSpec]]:
    """Per active rule, its spec in each enabled language (a language without its own list has the Simplified
    Chinese one)."""
    languages = [SOURCE_LANGUAGE, *content_languages()]
    return [
        {
            lang: rules.GreetingSpec(g.pk, g.channel, g.when, g.where, tuple(g.phrase_list(lang)))
            for lang in languages
        }
        for g in GreetingRule.objects.filter(active=True)
    ]


def greeting_specs(customer_language: str | None = None, text: str = "") -> list[rules.GreetingSpec]:
    """The active greeting rules (read once per change, ``config_cache``) with the phrases a reply ``text`` to a
    customer of ``customer_language`` may use: that language's list first, then those of the other languages
    the reply is checked in (``reply_languages``: Chinese for a reply in Chinese, English for one with Latin
    letters), then the Simplified Chinese list."""
    per_rule = config_cache.cached(config_cache.STANDARDS, "greeting_specs_by_language", _greeting_specs)
    own = normalise(customer_language)
    order = [own, *sorted(reply_languages(text, customer_language) - {own}), SOURCE_LANGUAGE]
    specs = []
    for by_lang in per_rule:
        phrases: list[str] = []
        for lang in order:
            spec = by_lang.get(lang)
            for p in spec.phrases if spec is not None else ():
                if p not in phrases:
                    phrases.append(p)
        first = by_lang[SOURCE_LANGUAGE]
        specs.append(rules.GreetingSpec(first.id, first.channel, first.when, first.where, tuple(phrases)))
    return specs


def greeting_warnings(
    text: str, channel: str, first_reply: bool, customer_language: str | None = None
) -> list[str]:
    """Translated warnings for the required greetings/closings this reply lacks (never a stop); the examples
    are in the customer's language."""
    out = []
    specs = greeting_specs(customer_language, text)
    for spec in rules.missing_greetings(specs, text, channel, first_reply):
        examples = ("、" if spec.phrases and is_chinese(spec.phrases[0]) else ", ").join(spec.phrases[:3])
        if spec.where == "start":
            out.append(_("Start the reply with a greeting, e.g. %(examples)s.") % {"examples": examples})
        else:
            out.append(_("End the reply with a closing, e.g. %(examples)s.") % {"examples": examples})
    return out


def ensure_defaults() -> None:
    """The default library (what migration 0002 creates), for databases emptied since."""
    defaults.seed(StandardPhrase, ForbiddenPhrase, GreetingRule)

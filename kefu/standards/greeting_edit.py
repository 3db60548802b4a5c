"""Editing the required greetings and closings in the console (R-24), administrators only.

A rule accepts any of its phrases (one per line) at the start or end of a reply; the Simplified Chinese list
is ``phrases`` (required), each other language has its own list in ``translations`` (key ``phrases``,
docs/adr/0008-content-translations.md) and a language without one uses the Simplified Chinese list. Replies
to a customer are checked against the list of the customer's language (``services.greeting_specs``). Every
save is one audited transaction; the checks read the change on the next reply (the configuration token of
``kefu.organization.config_cache`` moves with the table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers.models import Channel
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.standards.checker import normalise
from kefu.standards.models import GreetingRule

CAPABILITY = "admin"
MAX_PHRASES = 50
MAX_PHRASE_LENGTH = 100


def greeting_rules() -> QuerySet[GreetingRule]:
    """Every rule (active first), by channel."""
    return GreetingRule.objects.order_by("-active", "channel", "id")


def clean_phrases(value: Any, field: str, required: bool) -> str:
    """The phrases of one language, one per line (blank lines and repeats dropped), or ValidationFailed."""
    lines: list[str] = []
    for line in str(value or "").splitlines():
        line = " ".join(line.split())
        if line and line not in lines:
            lines.append(line)
    if required and not lines:
        raise ValidationFailed("required", _("Write at least one accepted phrase."), field)
    if len(lines) > MAX_PHRASES:
        raise ValidationFailed(
            "too_many", _("At most %(n)d phrases per language.") % {"n": MAX_PHRASES}, field
        )
    for line in lines:
        if len(line) > MAX_PHRASE_LENGTH:
            raise ValidationFailed(
                "too_long",
                _("A phrase is at most %(n)d characters: “%(phrase)s”.")
                % {"n": MAX_PHRASE_LENGTH, "phrase": line[:40]},
                field,
            )
        if not normalise(line)[0]:
            raise ValidationFailed(
                "no_letters",
                _("“%(phrase)s” has no letters or characters besides punctuation.") % {"phrase": line},
                field,
            )
    return "\n".join(lines)


def do_save_greeting(user: Actor, rule_id: int | None, data: Mapping[str, Any]) -> GreetingRule:
    """Create or change a rule from form fields: channel ("" = every channel), when, where, phrases (Simplified
    Chinese), phrases__<language>, active."""
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        if rule_id is None:
            rule, before = GreetingRule(), {}
        else:
            found = GreetingRule.objects.select_for_update().filter(pk=rule_id).first()
            if found is None:
                raise NotFound("not_found", _("No such greeting rule."))
            rule, before = found, audit.snapshot(found)
        channel = str(data.get("channel", "") or "")
        if channel not in ("", *Channel.values):
            raise ValidationFailed("channel", _("Choose a channel or every channel."), "channel")
        when = str(data.get("when", ""))
        if when not in GreetingRule.When.values:
            raise ValidationFailed("when", _("Choose when the rule applies."), "when")
        where = str(data.get("where", ""))
        if where not in GreetingRule.Where.values:
            raise ValidationFailed("where", _("Choose the start or the end of the reply."), "where")
        rule.channel, rule.when, rule.where = channel, when, where
        rule.phrases = clean_phrases(data.get("phrases"), "phrases", required=True)
        translations = dict(rule.translations or {})
        for lang in content_languages():
            key = f"phrases__{lang}"
            if key in data:
                value = clean_phrases(data.get(key), key, required=False)
                translations = with_translation(translations, lang, "phrases", value)
        rule.translations = translations
        rule.active = bool(data.get("active"))
        rule.save()
        audit.record(
            user,
            "greeting_rule.created" if not before else "greeting_rule.changed",
            rule,
            before=before,
            after=audit.snapshot(rule),
            summary=str(rule),
        )
    return rule

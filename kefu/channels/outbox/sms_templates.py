"""Outbound SMS texts from templates, so administrators can word them without a release.

Every SMS the system sends has a kind (``SmsTemplateCode``) and a built-in text. An administrator can
replace the text per kind and language in the admin (``SmsTemplate``), e.g. to match the template
registered with the SMS provider; the provider's template id then travels with the message and the
variables as its parameters (``OutboxMessage.template``), which is what Chinese providers require.

Variables are written ``{name}``; the names each kind offers are in ``VARIABLES``. A template that uses
an unknown variable cannot be saved (``unknown_variables``), so nothing half-filled is ever sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from kefu.channels.models.endpoints import SmsTemplate, SmsTemplateCode
from kefu.lib.content_i18n import SOURCE_LANGUAGE, has_translation, normalise
from kefu.organization import config_cache

VARIABLES: dict[str, tuple[str, ...]] = {
    SmsTemplateCode.PORTAL_LINK: ("url", "minutes"),
    SmsTemplateCode.MATERIALS_NOTICE: ("customer_name", "order_number", "missing_materials", "service"),
    SmsTemplateCode.MAINTENANCE: ("customer_name", "branch", "title", "areas", "start", "end", "hotline"),
    SmsTemplateCode.FEE_REMINDER: ("customer_name", "product", "due", "hotline"),
    SmsTemplateCode.REPLY: ("customer_name", "order_number", "text"),
    SmsTemplateCode.SURVEY: ("customer_name", "order_number", "url"),
    SmsTemplateCode.OPT_OUT: (),
    SmsTemplateCode.OPT_OUT_CONFIRM: (),
    SmsTemplateCode.OPT_IN_CONFIRM: (),
}

# the message class of each kind (docs/privacy.md): reminders must carry the opt-out text; the rest are
# service messages (the opt-out texts themselves included)
CLASSES: dict[str, str] = {
    SmsTemplateCode.FEE_REMINDER: "reminder",
    SmsTemplateCode.SURVEY: "reminder",
}

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(text: str) -> list[str]:
    """The variable names used in ``text``, in order of first use."""
    seen: list[str] = []
    for name in _PLACEHOLDER.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def unknown_variables(code: str, text: str) -> list[str]:
    allowed = set(VARIABLES.get(code, ()))
    return [name for name in placeholders(text) if name not in allowed]


def fill(text: str, values: dict[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced; unknown names stay as written (never raises)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


@dataclass(frozen=True)
class Rendered:
    body: str
    template: dict[str, Any]  # {} or {"id": provider template id, "params": {...}}


def find(code: str, language: str | None = None) -> SmsTemplate | None:
    """The active template of ``code`` in ``language`` (the active language), else the zh-hans one (whose
    ``translations`` may hold the language's text, see ``render``)."""
    language = normalise(language or translation.get_language())
    rows = config_cache.cached(config_cache.SMS_TEMPLATES, "active", _active).get(code, {})
    return rows.get(language) or rows.get(SOURCE_LANGUAGE)


def _active() -> dict[str, dict[str, SmsTemplate]]:
    """The active templates by kind and language (read once per change: ``config_cache``; shared between
    threads, never changed by a caller)."""
    out: dict[str, dict[str, SmsTemplate]] = {}
    for t in SmsTemplate.objects.filter(active=True).order_by("id"):
        out.setdefault(t.code, {})[normalise(t.language)] = t
    return out


def render(
    code: str,
    default: str,
    values: dict[str, Any],
    template: SmsTemplate | None = None,
    language: str | None = None,
) -> Rendered:
    """The SMS text of kind ``code`` in ``language`` (the active language, i.e. the customer's where the
    caller overrides it): the configured template (pass ``template`` when rendering many messages, from one
    ``find``) in that language — its own row, else its translation, else the Simplified Chinese text — filled
    with ``values``; without a template the built-in ``default`` text.

    The provider's template id travels with the message only when the text sent is the one registered
    under it (the row's own language): a translation is sent as plain text."""
    params = {k: str(v) for k, v in values.items() if k in VARIABLES.get(code, ())}
    if template is None:
        return Rendered(default, {})
    lang = normalise(language or translation.get_language())
    text, own = template.text, True
    if lang != normalise(template.language) and has_translation(template, "text", lang):
        text, own = template.translations[lang]["text"], False
    body = (template.signature or "") + fill(text, params)
    meta = (
        {"id": template.provider_template_id, "params": params}
        if own and template.provider_template_id
        else {}
    )
    return Rendered(body, meta)


def render_current(code: str, default: str, values: dict[str, Any]) -> Rendered:
    return render(code, default, values, find(code))

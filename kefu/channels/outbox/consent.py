"""SMS and e-mail consent: message classes, opt-outs and the one-click unsubscribe (docs/privacy.md).

- ``sms_body`` appends the opt-out sentence (the ``opt_out`` SMS template of the language, else the
  built-in "Reply R to unsubscribe" — 拒收请回复R) to every SMS of a refusable class, once.
- ``suppression`` is asked by the outbox at send time: a reminder or marketing message to a number or
  address that opted out of its class, or marketing to a customer without consent, is not handed to a
  transport; the row becomes ``suppressed`` with the reason. Service notices always go.
- ``keywords.handle_sms_keyword`` is called by the inbound SMS adapter: "R"/"TD"/"退订"/"STOP"/"LEIRATKOZ" records an
  opt-out of every refusable class for that number and queues one confirmation SMS (a second "TD" while
  opted out changes nothing and sends nothing); "START"/"恢复"/"FELIRATKOZ" subscribes again.
- ``unsubscribe_url`` is the signed one-click link of an e-mail (``List-Unsubscribe``, RFC 8058); the
  portal's page (``kefu.portal.unsubscribe``) reads it back with ``read_token`` and calls ``opt_out``.

Marketing consent is the customer's ``marketing_consent`` flag (kept with the customer's rights,
docs/privacy.md); where the field does not exist, nobody has consented and no marketing is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.models import MessageClass, OptOut, OutboxChannel
from kefu.channels.models.endpoints import SmsTemplate, SmsTemplateCode
from kefu.channels.outbox import consent_rules as rules
from kefu.customers import rules as cust_rules
from kefu.lib import clock, links
from kefu.lib.content_i18n import SOURCE_LANGUAGE, has_translation, normalise

SUPPRESSED_OPTED_OUT = "suppressed: opted out"
SUPPRESSED_NO_CONSENT = "suppressed: no marketing consent"
TOKEN_SALT = "kefu.unsubscribe"  # noqa: S105 (a signing salt, not a secret)


def address_key(channel: str, address: str) -> str:
    """The stored form of a number (E.164 when it parses) or an e-mail address (lower case)."""
    address = (address or "").strip()
    if channel == OutboxChannel.EMAIL:
        return address.lower()
    try:
        return cust_rules.normalize_phone(address)
    except cust_rules.InvalidPhone:
        return address


def _shown(channel: str, key: str) -> str:
    """A number as the service log shows it (138****1234); an address as it is."""
    if channel == OutboxChannel.SMS and len(key) >= 8:
        return f"{key[:-8]}****{key[-4:]}"
    return key


# --- the opt-out text of SMS ---------------------------------------------------------------------------


def opt_out_text(language: str | None = None) -> str:
    """The opt-out sentence in ``language`` (the active one): the configured ``opt_out`` SMS template of
    that language (the provider's registered wording), else the built-in text."""
    language = (language or translation.get_language() or "zh-hans").lower()
    # the language's own wording only (no zh-hans fallback as for other kinds): an English text never
    # ends in a Chinese sentence, and the built-in text is translated; the wording is a row of that language
    # or the language's text of the Simplified Chinese row
    configured = (
        SmsTemplate.objects.filter(code=SmsTemplateCode.OPT_OUT, active=True, language__iexact=language)
        .values_list("text", flat=True)
        .first()
    )
    if configured and configured.strip():
        return configured.strip()
    # the language's text of the Simplified Chinese template (the console's SMS template editor)
    source = SmsTemplate.objects.filter(
        code=SmsTemplateCode.OPT_OUT, active=True, language=SOURCE_LANGUAGE
    ).first()
    lang = normalise(language)
    if source is not None and lang != SOURCE_LANGUAGE and has_translation(source, "text", lang):
        return source.translations[lang]["text"].strip()
    with translation.override(language):
        return _("Reply R to unsubscribe")


def sms_body(body: str, message_class: str, language: str | None = None) -> str:
    """``body`` as sent: with the opt-out sentence when the class needs one (once)."""
    if not rules.needs_opt_out_text(message_class):
        return body
    return rules.with_opt_out_text(body, opt_out_text(language))


# --- who refused what ----------------------------------------------------------------------------------


def opted_out_classes(channel: str, address: str) -> set[str]:
    return set(
        OptOut.objects.filter(
            channel=channel, address=address_key(channel, address), withdrawn_at__isnull=True
        ).values_list("message_class", flat=True)
    )


def has_marketing_consent(customer: Any) -> bool:
    """The customer's marketing consent (``Customer.marketing_consent``; False without the field)."""
    return bool(customer is not None and getattr(customer, "marketing_consent", False))


def suppression(message: Any) -> str:
    """Why ``message`` (an outbox row) must not be sent, or "" when it may. One query for a refusable class
    on SMS or e-mail, none otherwise."""
    message_class = str(message.message_class or MessageClass.SERVICE)
    if not rules.refusable(message_class):
        return ""
    opted = False
    if message.channel in (OutboxChannel.SMS, OutboxChannel.EMAIL):
        opted = message_class in opted_out_classes(message.channel, message.recipient)
    verdict = rules.decide(message_class, opted_out=opted, consent=has_marketing_consent(message.customer))
    if verdict == rules.Suppression.OPTED_OUT:
        return SUPPRESSED_OPTED_OUT
    if verdict == rules.Suppression.NO_CONSENT:
        return SUPPRESSED_NO_CONSENT
    return ""


def opt_out(
    channel: str,
    address: str,
    classes: Iterable[str],
    *,
    source: str,
    evidence: str = "",
    customer: Any = None,
) -> list[OptOut]:
    """Record that ``address`` refuses ``classes`` on ``channel`` (audited); the new rows — none when it
    had refused them all already."""
    key = address_key(channel, address)
    now = clock.now()
    created: list[OptOut] = []
    with transaction.atomic():
        already = opted_out_classes(channel, key)
        for message_class in classes:
            if message_class in already or not rules.refusable(message_class):
                continue
            try:
                with transaction.atomic():  # a savepoint: the same refusal arriving twice at once
                    row = OptOut.objects.create(
                        channel=channel,
                        address=key,
                        message_class=message_class,
                        source=source,
                        evidence=evidence[:200],
                        customer=customer,
                        created_at=now,
                    )
            except IntegrityError:
                continue  # the other one recorded it (and confirms it)
            created.append(row)
        if created:
            audit.record(
                None,
                "consent.opt_out",
                object_type=OptOut._meta.label_lower,
                object_id=",".join(str(r.pk) for r in created),
                customer_id=getattr(customer, "pk", None),
                after={"channel": channel, "classes": [r.message_class for r in created], "source": source},
                summary=_("%(address)s refused %(classes)s by %(channel)s")
                % {
                    "address": _shown(channel, key),
                    "classes": ", ".join(str(MessageClass(r.message_class).label) for r in created),
                    "channel": OutboxChannel(channel).label,
                },
            )
    return created


def opt_in(channel: str, address: str, classes: Iterable[str], *, source: str, customer: Any = None) -> int:
    """Withdraw the active opt-outs of ``address`` for ``classes`` (audited); how many were withdrawn."""
    key = address_key(channel, address)
    with transaction.atomic():
        rows = list(
            OptOut.objects.select_for_update().filter(
                channel=channel, address=key, message_class__in=list(classes), withdrawn_at__isnull=True
            )
        )
        if not rows:
            return 0
        OptOut.objects.filter(pk__in=[r.pk for r in rows]).update(withdrawn_at=clock.now())
        audit.record(
            None,
            "consent.opt_in",
            object_type=OptOut._meta.label_lower,
            object_id=",".join(str(r.pk) for r in rows),
            customer_id=getattr(customer, "pk", None),
            after={"channel": channel, "classes": [r.message_class for r in rows], "source": source},
            summary=_("%(address)s subscribed again by %(channel)s")
            % {
                "address": _shown(channel, key),
                "channel": OutboxChannel(channel).label,
            },
        )
    return len(rows)


# --- e-mail one-click unsubscribe (RFC 8058) ------------------------------------------------------------


def unsubscribe_token(address: str, message_class: str) -> str:
    return signing.dumps(
        {"a": address_key(OutboxChannel.EMAIL, address), "c": message_class}, salt=TOKEN_SALT, compress=True
    )


def read_token(token: str) -> tuple[str, str] | None:
    """(address, class) of a genuine token, else None (no expiry: a link in an old e-mail must still work)."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not rules.refusable(str(data.get("c", ""))) or not data.get("a"):
        return None
    return str(data["a"]), str(data["c"])


def unsubscribe_url(address: str, message_class: str) -> str:
    return links.absolute(reverse("portal:unsubscribe", args=[unsubscribe_token(address, message_class)]))


def list_unsubscribe_headers(message: Any) -> dict[str, str]:
    """``List-Unsubscribe`` and ``List-Unsubscribe-Post`` of a bulk e-mail (reminder or marketing); none for
    service notices, which the recipient cannot refuse."""
    if message.channel != OutboxChannel.EMAIL or not rules.refusable(str(message.message_class)):
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(message.recipient, str(message.message_class))}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }

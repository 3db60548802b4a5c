"""Inbound SMS opt-out and re-subscribe words (docs/privacy.md, "SMS and e-mail consent").

Called by the inbound SMS adapter (``kefu.channels.sms.inbound``) before an SMS becomes a message on an
order. Separate from ``consent`` because it queues the confirmation through the outbox, which imports
``consent`` itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.models import MessageClass, OptOut, OptOutSource, OutboxChannel
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.outbox import consent_rules as rules
from kefu.channels.outbox import sms_templates
from kefu.channels.outbox.consent import address_key, opt_in, opt_out


def handle_sms_keyword(phone: str, text: str, customer: Any = None) -> rules.Keyword | None:
    """Act on an inbound SMS that is an opt-out or re-subscribe word (inside the caller's transaction);
    None when it is an ordinary message. A change is confirmed by one SMS (service class, key of the opt-out
    row, so never twice); a repeated word changes nothing and sends nothing."""
    word = rules.keyword(
        text,
        getattr(settings, "KEFU_SMS_OPT_OUT_WORDS", ()),
        getattr(settings, "KEFU_SMS_OPT_IN_WORDS", ()),
    )
    if word is None:
        return None
    language = customer.language_code if customer is not None else None
    if word == rules.Keyword.OPT_OUT:
        rows = opt_out(
            OutboxChannel.SMS,
            phone,
            rules.REFUSABLE,
            source=OptOutSource.SMS_KEYWORD,
            evidence=text.strip(),
            customer=customer,
        )
        if rows:
            with translation.override(language or translation.get_language()):
                sms = sms_templates.render_current(
                    SmsTemplateCode.OPT_OUT_CONFIRM,
                    _(
                        "You will no longer receive reminders or marketing SMS from us. Service notices "
                        "about your account and orders still reach you. Reply START to subscribe again."
                    ),
                    {},
                )
            outbox.enqueue(
                channel=OutboxChannel.SMS,
                recipient=address_key(OutboxChannel.SMS, phone),
                body=sms.body,
                template=sms.template,
                idempotency_key=f"opt-out-confirm:{rows[0].pk}",
                customer=customer,
                message_class=MessageClass.SERVICE,
            )
    else:
        changed = opt_in(
            OutboxChannel.SMS, phone, rules.REFUSABLE, source=OptOutSource.SMS_KEYWORD, customer=customer
        )
        if changed:
            with translation.override(language or translation.get_language()):
                sms = sms_templates.render_current(
                    SmsTemplateCode.OPT_IN_CONFIRM,
                    _("You will receive our reminders by SMS again. Reply R to unsubscribe."),
                    {},
                )
            latest = OptOut.objects.filter(
                channel=OutboxChannel.SMS, address=address_key(OutboxChannel.SMS, phone)
            ).order_by("-id")[0]
            outbox.enqueue(
                channel=OutboxChannel.SMS,
                recipient=address_key(OutboxChannel.SMS, phone),
                body=sms.body,
                template=sms.template,
                idempotency_key=f"opt-in-confirm:{latest.pk}",
                customer=customer,
                message_class=MessageClass.SERVICE,
            )
    return word

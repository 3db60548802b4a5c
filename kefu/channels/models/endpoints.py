"""Per-branch channel configuration (each branch has its own numbers and accounts) and SMS templates.

A ``ChannelEndpoint`` is one way in for a branch: an SMS number the gateway reports as the receiver, a
WeCom customer-service account (``open_kfid``), a called phone line, a social-media account. Inbound
messages are routed to the endpoint's branch, and the endpoint keeps its health (last message, last
error). Mailboxes (``Mailbox``) are the e-mail endpoints and keep their own health.

Secrets (the SMS HMAC secret, the WeCom corp secret) stay in the environment (see docs/operations.md):
they are not shown or stored in the database.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.lib.content_i18n import Translatable


class EndpointKind(models.TextChoices):
    SMS = "sms", _("SMS number")
    CHAT = "chat", _("chat account (WeCom open_kfid)")
    PHONE = "phone", _("phone line")
    SOCIAL = "social", _("social media account")


def identifier_key(kind: str, value: str) -> str:
    """The form an identifier is stored and compared in: numbers keep their digits only (``+86 10-8888`` →
    ``86108888``; the 86 country code before a mobile number is dropped), social accounts are trimmed and
    lower-cased, chat ``open_kfid``s (case-sensitive) only trimmed."""
    value = (value or "").strip()
    if kind in (EndpointKind.SMS, EndpointKind.PHONE):
        digits = re.sub(r"\D", "", value)
        if len(digits) == 13 and digits.startswith("861"):
            digits = digits[2:]
        return digits
    if kind == EndpointKind.SOCIAL:
        return value.lower()
    return value


class ChannelEndpoint(models.Model):
    branch = models.ForeignKey(
        "organization.Branch",
        on_delete=models.PROTECT,
        related_name="channel_endpoints",
        verbose_name=_("branch"),
    )
    kind = models.CharField(_("channel"), max_length=10, choices=EndpointKind.choices)
    identifier = models.CharField(
        _("identifier"),
        max_length=200,
        help_text=_(
            "SMS: the receiving number or short code; chat: the open_kfid of the customer-service account; "
            "phone: the called line as the CTI reports it; social: the platform account or source name."
        ),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "An inactive endpoint routes nothing: its messages go to the default branch of the channel."
        ),
    )
    thread_days = models.PositiveSmallIntegerField(
        _("thread window (days)"),
        null=True,
        blank=True,
        help_text=_(
            "A message joins the customer's open order updated within these days (empty: the default)."
        ),
    )
    reply_window_hours = models.PositiveSmallIntegerField(
        _("chat reply window (hours)"),
        null=True,
        blank=True,
        help_text=_("Chat only; empty: the default (48)."),
    )
    max_replies = models.PositiveSmallIntegerField(
        _("chat replies per customer message"),
        null=True,
        blank=True,
        help_text=_("Chat only; empty: the default (5)."),
    )
    last_inbound_at = models.DateTimeField(_("last message in"), null=True, blank=True)
    last_outbound_at = models.DateTimeField(_("last message out"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel endpoint")
        verbose_name_plural = _("channel endpoints")
        ordering = ["branch__code", "kind", "identifier"]
        constraints = [models.UniqueConstraint(fields=["kind", "identifier"], name="channelendpoint_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.identifier}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.identifier = identifier_key(self.kind, self.identifier)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.identifier = identifier_key(self.kind, self.identifier)
        if not self.identifier:
            raise ValidationError({"identifier": _("Enter the number or account of this endpoint.")})


class SmsTemplateCode(models.TextChoices):
    PORTAL_LINK = "portal_link", _("portal sign-in link")
    MATERIALS_NOTICE = "materials_notice", _("one-time notice of missing materials")
    MAINTENANCE = "maintenance", _("planned maintenance notice")
    FEE_REMINDER = "fee_reminder", _("fee reminder")
    REPLY = "reply", _("reply to an SMS order")
    SURVEY = "survey", _("survey invitation")
    # the opt-out sentence appended to every reminder and marketing SMS (e.g. 拒收请回复R), and the
    # answers to an opt-out or re-subscribe reply
    OPT_OUT = "opt_out", _("opt-out text (reminders, marketing)")
    OPT_OUT_CONFIRM = "opt_out_confirm", _("confirmation of an opt-out")
    OPT_IN_CONFIRM = "opt_in_confirm", _("confirmation of a re-subscription")


class SmsTemplate(Translatable, models.Model):
    """The text of one kind of outbound SMS, as registered with the provider.

    Chinese SMS providers only deliver texts from registered templates: ``provider_template_id`` is sent
    with the message (with the variables as parameters) when set. The text uses ``{variable}`` placeholders;
    the variables each kind offers are listed in ``kefu.channels.outbox.sms_templates.VARIABLES``.

    The text of other languages is in ``translations`` (docs/adr/0008-content-translations.md); a row of its
    own for a language (``language``) wins over a translation, for a provider that registers each wording.
    """

    translatable_fields = ("text",)

    code = models.CharField(_("message kind"), max_length=30, choices=SmsTemplateCode.choices)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    text = models.TextField(_("text"))
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    provider_template_id = models.CharField(_("provider template id"), max_length=100, blank=True)
    signature = models.CharField(
        _("SMS signature"), max_length=30, blank=True, help_text=_("e.g. 【城市燃气】")
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["code", "language"]
        constraints = [models.UniqueConstraint(fields=["code", "language"], name="smstemplate_once")]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.language})"

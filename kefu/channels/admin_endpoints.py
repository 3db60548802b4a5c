"""Admin pages of the per-branch channel endpoints (with their health) and of the SMS templates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.channels.models.endpoints import ChannelEndpoint, SmsTemplate
from kefu.channels.outbox import consent, consent_rules, sms_templates
from kefu.lib import clock
from kefu.lib.content_i18n import with_translation


@admin.register(ChannelEndpoint)
class ChannelEndpointAdmin(AuditedAdmin):
    list_display = [
        "kind",
        "identifier",
        "name",
        "branch",
        "active",
        "last_inbound_at",
        "messages_24h",
        "last_error_short",
    ]
    list_filter = ["kind", "active", "branch"]
    search_fields = ["identifier", "name"]
    readonly_fields = ["last_inbound_at", "last_outbound_at", "last_error", "last_error_at"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[ChannelEndpoint]:
        since = clock.now() - dt.timedelta(hours=24)
        return (
            super()
            .get_queryset(request)
            .select_related("branch")
            .annotate(recent=Count("messages", filter=Q(messages__received_at__gte=since)))
        )

    @admin.display(description=gettext_lazy("messages in 24 h"), ordering="recent")
    def messages_24h(self, obj: Any) -> int:
        return int(getattr(obj, "recent", 0))

    @admin.display(description=gettext_lazy("last error"))
    def last_error_short(self, obj: ChannelEndpoint) -> str:
        return obj.last_error[:80]


# the text of the other languages (docs/adr/0008-content-translations.md): a form field per language, kept in
# ``translations``; empty falls back to the template's own text
TRANSLATED = (("text_en", "en"), ("text_hu", "hu"), ("text_zh_hant", "zh-hant"))


class SmsTemplateForm(forms.ModelForm):
    text_en = forms.CharField(label=gettext_lazy("text (English)"), required=False, widget=forms.Textarea)
    text_hu = forms.CharField(label=gettext_lazy("text (Hungarian)"), required=False, widget=forms.Textarea)
    text_zh_hant = forms.CharField(
        label=gettext_lazy("text (Traditional Chinese)"), required=False, widget=forms.Textarea
    )

    class Meta:
        model = SmsTemplate
        fields = ["code", "language", "text", "signature", "provider_template_id", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, lang in TRANSLATED:
            self.fields[name].initial = ((self.instance.translations or {}).get(lang) or {}).get("text", "")
            self.fields[name].help_text = _("Empty: the text above is sent.")

    def save(self, commit: bool = True) -> Any:
        values = dict(self.instance.translations or {})
        for name, lang in TRANSLATED:
            values = with_translation(values, lang, "text", self.cleaned_data.get(name) or "")
        self.instance.translations = values
        return super().save(commit)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code, text = data.get("code"), data.get("text") or ""
        if code:
            for name, _lang in TRANSLATED:
                unknown_here = sms_templates.unknown_variables(code, data.get(name) or "")
                if unknown_here:
                    self.add_error(
                        name,
                        _("Unknown variables: %(names)s. This kind of message offers: %(allowed)s.")
                        % {
                            "names": ", ".join(f"{{{n}}}" for n in unknown_here),
                            "allowed": ", ".join(f"{{{n}}}" for n in sms_templates.VARIABLES.get(code, ())),
                        },
                    )
            unknown = sms_templates.unknown_variables(code, text)
            if unknown:
                self.add_error(
                    "text",
                    _("Unknown variables: %(names)s. This kind of message offers: %(allowed)s.")
                    % {
                        "names": ", ".join(f"{{{n}}}" for n in unknown),
                        "allowed": ", ".join(f"{{{n}}}" for n in sms_templates.VARIABLES.get(code, ())),
                    },
                )
            # the provider sends its registered text as it is: Kefu cannot append the opt-out sentence
            message_class = sms_templates.CLASSES.get(code, "service")
            wording = consent.opt_out_text(data.get("language") or "zh-hans")
            if (
                consent_rules.needs_opt_out_text(message_class)
                and data.get("provider_template_id")
                and not consent_rules.has_opt_out_text(text, wording)
            ):
                self.add_error(
                    "text",
                    _(
                        "This kind of SMS may be refused, so its registered text must tell how: add "
                        "“%(text)s” (the opt-out text of this language)."
                    )
                    % {"text": wording},
                )
        return data


@admin.register(SmsTemplate)
class SmsTemplateAdmin(AuditedAdmin):
    form = SmsTemplateForm
    list_display = ["code", "language", "provider_template_id", "active", "updated_at"]
    list_filter = ["code", "language", "active"]
    search_fields = ["text", "provider_template_id"]

"""Portal forms: they parse and render input; the rules live in ``kefu.channels.actions`` and
``kefu.workorders.actions`` and their messages are shown next to the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.channels.actions import PORTAL_TYPE_LABELS, PortalType, portal_services
from kefu.commitments.models import Service
from kefu.lib.content_i18n import translated
from kefu.web.forms import MultipleFileField

FILES_HELP = _("Photos or documents, up to %(mb)s MB each.")


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return translated(obj, "name")


class PortalSubmitForm(forms.Form):
    order_type = forms.ChoiceField(
        label=_("Type of request"),
        choices=[("", "---------"), *[(t.value, PORTAL_TYPE_LABELS[t]) for t in PortalType]],
    )
    service = ServiceChoiceField(
        label=_("Service (optional)"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— not sure —"),
    )
    title = forms.CharField(
        label=_("Subject"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. No internet since this morning")}
        ),
    )
    description = forms.CharField(
        label=_("Describe your request"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(label=_("Files (optional)"))  # type: ignore[assignment]

    def __init__(self, *args: Any, max_mb: int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = portal_services()  # type: ignore[attr-defined]
        self.fields["service"].widget.attrs.update(
            {
                "hx-get": reverse("portal:service_materials"),
                "hx-target": "#portal-service-materials",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )
        self.fields["files"].help_text = FILES_HELP % {"mb": max_mb}


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(label=_("Files (optional)"))  # type: ignore[assignment]

    def __init__(self, *args: Any, max_mb: int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = FILES_HELP % {"mb": max_mb}

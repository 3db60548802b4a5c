"""The request form, shared by the portal and the counter page: it parses; ``actions`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.rights.actions import MAX_DETAILS
from kefu.rights.models import KindChoices


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=KindChoices.choices)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=MAX_DETAILS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a correction: what is wrong and what is right."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that erasure cannot be undone."),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == KindChoices.ERASURE and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm the erasure."))
        return data

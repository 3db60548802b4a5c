"""Forms of the customer pages in the console.

They parse and render input only (types, choices, widgets); the business checks — phone and e-mail
normalisation, duplicates, branch and area rules, date order, amounts — live in
``kefu.customers.actions`` and reach the form through :func:`kefu.web.forms.add_kefu_error`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.console.forms_orders import CONSOLE_CHANNELS
from kefu.customers.models import (
    BadRecord,
    Contact,
    ContactPerson,
    Contract,
    CustomerKind,
    Payment,
    Purchase,
    Relationship,
    Subscription,
    TierChoices,
)
from kefu.organization.models import Branch, ServiceArea


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class CustomerForm(forms.Form):
    """Create or edit the customer's own data (records are added on the customer page)."""

    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices, initial=CustomerKind.PERSON)
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=Relationship.choices, initial=Relationship.INDIVIDUAL
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("Any format: 138 0013 8000, +86-10-6552-9988, 010 65529988."),
    )
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        help_text=_("The service area is found from the address when none is chosen."),
    )
    branch = forms.ModelChoiceField(label=_("Branch"), required=False, queryset=Branch.objects.none())
    area = forms.ModelChoiceField(
        label=_("Service area"), required=False, queryset=ServiceArea.objects.none()
    )
    customer_since = forms.DateField(label=_("Customer since"), required=False, widget=DateInput())
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("the branch's language"))],
        help_text=_("Replies, acknowledgements and survey invitations are written in this language."),
    )
    extra_phones = forms.CharField(
        label=_("Other phone numbers"),
        required=False,
        max_length=500,
        help_text=_("Separate several numbers with commas."),
    )
    allow_duplicate = forms.BooleanField(label=_("This is a different customer: save anyway"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(
        self,
        *args: Any,
        branches: QuerySet[Branch],
        areas: QuerySet[ServiceArea],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "cust-%s")
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["area"].label_from_instance = lambda a: f"{a.branch.name} · {a.name}"  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("the branch's language")), *settings.LANGUAGES]  # type: ignore[attr-defined]
        if editing:
            del self.fields["extra_phones"]

    def extra_phone_list(self) -> list[str]:
        raw = self.cleaned_data.get("extra_phones") or ""
        return [p.strip() for p in raw.replace("，", ",").replace(";", ",").split(",") if p.strip()]


# One form per kind of archive record; the keys are the kinds of customers.actions.RECORD_MODELS.
_RECORD_FIELDS: dict[str, tuple[type[Any], list[str]]] = {
    "subscription": (Subscription, ["product", "start_date", "expiry_date", "monthly_fee"]),
    "contract": (Contract, ["number", "title", "signed_on", "start_date", "end_date", "amount"]),
    "purchase": (Purchase, ["product", "quantity", "unit_price", "purchased_on"]),
    "payment": (Payment, ["description", "amount", "due_date", "paid_on"]),
    "bad_record": (BadRecord, ["recorded_on", "kind", "description"]),
    "person": (ContactPerson, ["name", "title", "phone", "email", "is_primary"]),
}

RECORD_TITLES: dict[str, Any] = {
    "subscription": _("Add a subscription"),
    "contract": _("Add a contract"),
    "purchase": _("Add a purchase"),
    "payment": _("Add a payment"),
    "bad_record": _("Add a bad record"),
    "person": _("Add a contact person"),
}


def record_form_class(kind: str) -> type[forms.ModelForm[Any]]:
    """A ModelForm that type-checks the fields of one record kind (KeyError for unknown kinds)."""
    model, fields = _RECORD_FIELDS[kind]
    widgets: dict[str, Any] = {
        f.name: DateInput()
        for f in model._meta.get_fields()
        if getattr(f, "get_internal_type", lambda: "")() == "DateField"
    }
    widgets.update({"description": forms.Textarea(attrs={"rows": 2})} if "description" in fields else {})
    return forms.modelform_factory(model, fields=fields, widgets=widgets)


def record_form(kind: str, *args: Any, **kwargs: Any) -> forms.ModelForm[Any]:
    kwargs.setdefault("auto_id", f"{kind}-%s")
    return record_form_class(kind)(*args, **kwargs)


RECORD_KINDS = list(_RECORD_FIELDS)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cnote-%s")
        super().__init__(*args, **kwargs)


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(
        label=_("Manual tier"),
        required=False,
        choices=_blank(TierChoices.choices, _("— computed tier —")),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "tier-%s")
        super().__init__(*args, **kwargs)


class ContactLogForm(forms.Form):
    """Log a contact that did not (yet) become a work order: a call, a counter visit, a message."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, c.label) for c in CONSOLE_CHANNELS], initial="phone"
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Contact.Direction.choices, initial=Contact.Direction.INBOUND
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)

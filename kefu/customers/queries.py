"""The customer list's filters and search, shared by the console's list and its export (the same rows)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kefu.audit import log as audit
from kefu.customers import rules as cust_rules
from kefu.customers.models import ChurnChoices, ContactPoint, Customer, Relationship, TierChoices
from kefu.lib import search
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import require_staff
from kefu.organization.models import ServiceArea
from kefu.organization.rules import HOTLINE_AGENT

PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]{5,}$")


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("name, phone, e-mail, address or number"),
                "autofocus": True,
                "data-shortcut": "/",
            }
        ),
    )
    tier = forms.ChoiceField(label=_("Value tier"), required=False, choices=_blank(TierChoices.choices))
    relationship = forms.ChoiceField(
        label=_("Relationship"), required=False, choices=_blank(Relationship.choices)
    )
    churn_risk = forms.ChoiceField(
        label=_("Churn risk"), required=False, choices=_blank(ChurnChoices.choices)
    )
    area = forms.ModelChoiceField(
        label=_("Service area"), required=False, queryset=ServiceArea.objects.none()
    )

    def __init__(self, *args: Any, areas: QuerySet[ServiceArea], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cs-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


def customer_filters(
    params: QueryDict, areas: QuerySet[ServiceArea]
) -> tuple[CustomerSearchForm, dict[str, Any]]:
    """The list's filters in the query string ``params`` (an invalid value is left out); ``areas`` are
    the service areas the viewer may filter by."""
    form = CustomerSearchForm(params or None, areas=areas)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return form, filters


def filtered_customers(qs: QuerySet[Customer], filters: dict[str, Any]) -> QuerySet[Customer]:
    for name in ("tier", "relationship", "churn_risk"):
        if name in filters:
            qs = qs.filter(**{name: filters[name]})
    if "area" in filters:
        qs = qs.filter(area=filters["area"])
    q = (filters.get("q") or "").strip()
    return search_customers(qs, q).select_related("area", "branch").order_by("-id")


def search_customers(qs: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """Name, number, address and e-mail by substring (Chinese 2+ characters); a phone number in any
    format by its normalised form, including the customer's other numbers (contact points)."""
    q = q.strip()
    if not q:
        return qs
    if PHONE_LIKE.match(q):
        digits = re.sub(r"\D", "", q)
        try:
            e164 = cust_rules.normalize_phone(q)
        except cust_rules.InvalidPhone:
            e164 = ""
        if e164:
            by_point = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, normalized=e164)
            return qs.filter(Q(phone_e164=e164) | Q(pk__in=by_point.values("customer_id")))
        # a partial number: its digits as a substring of the stored numbers
        return search.filter_queryset(qs, digits)
    if "@" in q and " " not in q:
        email = cust_rules.normalize_email(q)
        by_point = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, normalized=email)
        exact = qs.filter(Q(email=email) | Q(pk__in=by_point.values("customer_id")))
        return exact if exact.exists() else search.filter_queryset(qs, q)
    return search.filter_queryset(qs, q)


HOTLINE_SEARCH_LIMIT = 20


def hotline_search(user: Any, q: str) -> list[Customer]:
    """The hotline search (docs/hotline.md): customers of every branch by phone (any of their numbers),
    customer number, name, address or e-mail — at most ``HOTLINE_SEARCH_LIMIT``, newest first, for a
    hotline agent only (capability ``hotline.agent``). It shows who the caller may be, masked; opening one
    takes the customer on the line (``kefu.hotline.actions.do_open_session``). Each search is audited
    (``hotline.search``, the number of hits, not the words searched)."""
    staff = require_staff(user, HOTLINE_AGENT)
    q = " ".join((q or "").split())
    if len(q) < 2:
        raise ValidationFailed("too_short", _("Search with at least 2 characters."), "q")
    qs = Customer.objects.filter(merged_into__isnull=True)
    hits = list(
        search_customers(qs, q).select_related("branch", "area").order_by("-id")[:HOTLINE_SEARCH_LIMIT]
    )
    with transaction.atomic():
        audit.record(user, "hotline.search", staff, after={"hits": len(hits)})
    return hits

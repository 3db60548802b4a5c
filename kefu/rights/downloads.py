"""The copy of a customer's data as a download: JSON, CSV or a printable HTML page (portal and counter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.lib.errors import NotFound
from kefu.organization.access import Actor
from kefu.rights import actions, export
from kefu.rights.models import RightsRequest

FORMATS = ("json", "csv", "html")
TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


# readable labels of the copy's fields and sections (the JSON and CSV keep the machine names)
LABELS = {
    "number": gettext_lazy("Number"),
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "relationship": gettext_lazy("Relationship"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "address": gettext_lazy("Address"),
    "branch": gettext_lazy("Branch"),
    "area": gettext_lazy("Service area"),
    "language": gettext_lazy("Language"),
    "customer_since": gettext_lazy("Customer since"),
    "tier": gettext_lazy("Tier"),
    "marketing_consent": gettext_lazy("Consents to marketing"),
    "marketing_consent_at": gettext_lazy("Consent given or withdrawn at"),
    "created_at": gettext_lazy("Recorded at"),
    "value": gettext_lazy("Value"),
    "label": gettext_lazy("Label"),
    "title": gettext_lazy("Title"),
    "product": gettext_lazy("Product"),
    "start_date": gettext_lazy("Start"),
    "expiry_date": gettext_lazy("Expiry"),
    "monthly_fee": gettext_lazy("Monthly fee"),
    "signed_on": gettext_lazy("Signed on"),
    "end_date": gettext_lazy("End"),
    "amount": gettext_lazy("Amount"),
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "purchased_on": gettext_lazy("Date"),
    "description": gettext_lazy("Description"),
    "due_date": gettext_lazy("Due date"),
    "paid_on": gettext_lazy("Paid on"),
    "recorded_on": gettext_lazy("Date"),
    "occurred_at": gettext_lazy("When"),
    "channel": gettext_lazy("Channel"),
    "direction": gettext_lazy("Direction"),
    "summary": gettext_lazy("Summary"),
    "order_type": gettext_lazy("Type"),
    "service": gettext_lazy("Service"),
    "status": gettext_lazy("Status"),
    "received_at": gettext_lazy("Received at"),
    "resolved_at": gettext_lazy("Resolved at"),
    "closed_at": gettext_lazy("Closed at"),
    "resolution": gettext_lazy("Resolution"),
    "via": gettext_lazy("Received"),
    "regime": gettext_lazy("Law"),
    "details": gettext_lazy("Details"),
    "completed_at": gettext_lazy("Completed at"),
    "order": gettext_lazy("Work order"),
}
SECTIONS = {
    "contact_points": gettext_lazy("Contact points"),
    "contact_people": gettext_lazy("Contact people"),
    "subscriptions": gettext_lazy("Subscriptions"),
    "contracts": gettext_lazy("Contracts"),
    "purchases": gettext_lazy("Purchases"),
    "payments": gettext_lazy("Payments"),
    "bad_records": gettext_lazy("Bad records"),
    "contact_history": gettext_lazy("Contact history"),
    "requests": gettext_lazy("Personal information requests"),
}


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    text = str(value)
    if len(text) >= 19 and text[10:11] == "T":  # an ISO time of the JSON: local time, to the minute
        try:
            return timezone.localtime(dt.datetime.fromisoformat(text)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text
    return text


def readable(data: dict[str, Any]) -> dict[str, Any]:
    """The copy arranged for the printable page: labelled facts, one table per section, the orders."""
    customer = [(LABELS.get(k, k), _show(v)) for k, v in data["customer"].items()]
    tables = []
    for key, title in SECTIONS.items():
        rows = data.get(key) or []
        columns = list(rows[0].keys()) if rows else []
        tables.append(
            {
                "key": key,
                "title": title,
                "columns": [LABELS.get(c, c) for c in columns],
                "rows": [[_show(row.get(c)) for c in columns] for row in rows],
            }
        )
    orders = [
        {
            "facts": [
                (LABELS.get(k, k), _show(v)) for k, v in o.items() if k not in ("messages", "attachments")
            ],
            "messages": [{**m, "at_local": _show(m["at"])} for m in o["messages"]],
            "attachments": o["attachments"],
            "number": o["number"],
        }
        for o in data["work_orders"]
    ]
    return {
        "customer": customer,
        "tables": tables,
        "orders": orders,
        "generated_at": _show(data["generated_at"]),
    }


def copy_request(qs: object, pk: int) -> RightsRequest:
    """The copy request ``pk`` among ``qs`` (the requests the caller may see), else NotFound."""
    r = (
        RightsRequest.objects.filter(pk=pk, kind="copy", customer__erased_at__isnull=True)
        .filter(pk__in=qs)  # type: ignore[misc]
        .select_related("customer__branch", "customer__area", "workorder")
        .first()
    )
    if r is None:
        raise NotFound("not_found", _("Request not found."), "request")
    return r


def copy_response(request: HttpRequest, user: Actor, r: RightsRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound("not_found", _("Unknown format."), "format")
    data = export.customer_data(r.customer)
    if fmt == "json":
        body = export.as_json(data)
    elif fmt == "csv":
        body = export.as_csv(data)
    else:
        body = render_to_string(
            "rights/copy.html",
            {"data": data, "page": readable(data), "r": r, "c": r.customer},
            request=request,
        )
    actions.record_copy_download(user, r, fmt)
    response = HttpResponse(body, content_type=TYPES[fmt])
    if fmt != "html":
        name = f"personal-data-{r.customer.number}-{r.workorder.number}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

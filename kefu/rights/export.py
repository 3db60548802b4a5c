"""A copy of a customer's personal data and service history (PIPL Art. 45, GDPR Art. 15 and 20).

One dictionary (:func:`customer_data`) rendered three ways: JSON (machine-readable, the structure below),
CSV (one row per value: section, record, field, value — opens in any spreadsheet) and a printable HTML page
(``rights/copy.html``). Included: the archive record, contact points, contact people, subscriptions,
contracts, purchases, payments, bad records, the contact history, every work order with what the customer
can see of it on the portal (public timeline entries, public attachments by name and size) and the
personal information requests. Not included: staff-internal notes and internal timeline entries (they may
hold other people's data and staff assessments; the staff member handling a copy request reviews them,
GDPR Art. 15(4)), and computed scores.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.db.models import Model

from kefu.customers.models import Customer
from kefu.lib import clock
from kefu.lib.exports import neutralise
from kefu.rights.models import RightsRequest
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    return value


def _row(obj: Model, fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        display = getattr(obj, f"get_{name}_display", None)
        out[name] = _plain(display() if display is not None else getattr(obj, name))
    return out


CUSTOMER_FIELDS = [
    "number",
    "name",
    "kind",
    "relationship",
    "phone",
    "email",
    "address",
    "branch",
    "area",
    "language",
    "customer_since",
    "tier",
    "marketing_consent",
    "marketing_consent_at",
    "created_at",
]


def customer_data(customer: Customer) -> dict[str, Any]:
    """Everything of the copy, as plain JSON values (times in UTC, ISO 8601; money as decimal strings)."""
    orders = list(
        WorkOrder.objects.filter(customer=customer).select_related("service").order_by("received_at", "id")
    )
    entries: dict[int, list[dict[str, Any]]] = {}
    for e in TimelineEntry.objects.filter(
        workorder__customer=customer,
        public=True,
        kind__in=[TimelineEntry.Kind.CUSTOMER, TimelineEntry.Kind.REPLY, TimelineEntry.Kind.STATUS],
    ).order_by("created_at", "id"):
        if e.body:
            entries.setdefault(e.workorder_id, []).append(
                {"at": _plain(e.created_at), "kind": e.get_kind_display(), "text": e.body}
            )
    files: dict[int, list[dict[str, Any]]] = {}
    for a in Attachment.objects.filter(workorder__customer=customer, public=True).order_by(
        "created_at", "id"
    ):
        files.setdefault(a.workorder_id, []).append(
            {"file_name": a.filename, "size": a.size, "uploaded_at": _plain(a.created_at)}
        )
    return {
        "format": "kefu.personal-data-copy",
        "version": FORMAT_VERSION,
        "generated_at": _plain(clock.now()),
        "customer": _row(customer, CUSTOMER_FIELDS),
        "contact_points": [_row(cp, ["kind", "value", "label"]) for cp in customer.contact_points.all()],
        "contact_people": [_row(p, ["name", "title", "phone", "email"]) for p in customer.people.all()],
        "subscriptions": [
            _row(s, ["product", "start_date", "expiry_date", "monthly_fee"])
            for s in customer.subscriptions.all()
        ],
        "contracts": [
            _row(c, ["number", "title", "signed_on", "start_date", "end_date", "amount"])
            for c in customer.contracts.all()
        ],
        "purchases": [
            _row(p, ["product", "quantity", "unit_price", "purchased_on"]) for p in customer.purchases.all()
        ],
        "payments": [
            _row(p, ["description", "amount", "due_date", "paid_on"]) for p in customer.payments.all()
        ],
        "bad_records": [_row(b, ["recorded_on", "kind", "description"]) for b in customer.bad_records.all()],
        "contact_history": [
            _row(c, ["occurred_at", "channel", "direction", "summary"])
            for c in customer.contacts.order_by("occurred_at", "id")
        ],
        "work_orders": [
            {
                **_row(
                    o,
                    [
                        "number",
                        "order_type",
                        "service",
                        "channel",
                        "status",
                        "title",
                        "description",
                        "received_at",
                        "resolved_at",
                        "closed_at",
                        "resolution",
                    ],
                ),
                "messages": entries.get(o.pk, []),
                "attachments": files.get(o.pk, []),
            }
            for o in orders
        ],
        "requests": [
            {
                **_row(r, ["kind", "via", "regime", "details", "created_at", "completed_at"]),
                "order": r.workorder.number,
            }
            for r in RightsRequest.objects.filter(customer=customer).select_related("workorder")
        ],
    }


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value, 1):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        out.append((prefix, "" if value is None else str(value)))


CSV_HEADER = ["section", "record", "field", "value"]


def as_csv(data: dict[str, Any]) -> str:
    """One row per value: ``section`` (customer, payments, work_orders …), ``record`` (1, 2 … within the
    section; empty for the customer), ``field`` (``title``, ``messages[2].text`` …) and ``value``. UTF-8 with
    a byte-order mark, so that spreadsheet programs read Chinese correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    for section, value in data.items():
        if isinstance(value, list):
            for i, record in enumerate(value, 1):
                flat: list[tuple[str, str]] = []
                _flatten("", record, flat)
                for field, v in flat:
                    w.writerow([section, i, field, _safe(v)])
        elif isinstance(value, dict):
            flat = []
            _flatten("", value, flat)
            for field, v in flat:
                w.writerow([section, "", field, _safe(v)])
        else:
            w.writerow([section, "", "", _safe(str(value))])
    return "\ufeff" + buf.getvalue()


def _safe(value: str) -> str:
    """Formula injection (``kefu.lib.exports``): text a spreadsheet would run gets an apostrophe; numbers
    (a negative amount) stay as they are."""
    return value if _number(value) else str(neutralise(value))


def _number(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except ArithmeticError:
        return False

"""The "Fields and tags" card on the console order page (registered with kefu.workorders.hooks): the
custom fields of the order's type and of its customer with their values, and the order's tags — all read
in one statement (``order_fields``), so the order page grows by one statement (kefu/console/tests/test_statement_budgets.py)."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from kefu.fields import rules
from kefu.fields.actions import json_value
from kefu.fields.models import FieldValue
from kefu.organization.access import staff_of
from kefu.workorders.models import StatusChoices, WorkOrder

_FIELDS_SQL = """
SELECT t.names, d.id, d.key, d.label, d.help_text, d.scope, d.kind, d.choices, d.order_types, d.required_at,
       d.pattern, d.public, v.id, v.value_text, v.value_number, v.value_date
FROM (SELECT (SELECT {agg}(tg.name, ' ') FROM fields_ordertag ot JOIN fields_tag tg ON tg.id = ot.tag_id
              WHERE ot.workorder_id = %s) AS names) t
LEFT JOIN fields_fielddefinition d ON d.active
LEFT JOIN fields_fieldvalue v ON v.definition_id = d.id AND (v.workorder_id = %s OR v.customer_id = %s)
ORDER BY d.scope, d.position, d.id, v.id
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or [])


def order_fields(order: WorkOrder) -> tuple[list[dict[str, Any]], list[str]]:
    """(fields, tags) of ``order``: each active field of the order's type or of its customer with its
    values (``values``: typed list, ``value``: as JSON, ``text``: as people read it), and the order's
    tags. One statement: the tags in a one-row subquery, the definitions and this order's and customer's
    values left-joined to it (so the tags come back even when no field is declared)."""
    agg = "STRING_AGG" if connection.vendor == "postgresql" else "GROUP_CONCAT"
    with connection.cursor() as cur:
        cur.execute(_FIELDS_SQL.format(agg=agg), [order.pk, order.pk, order.customer_id])
        rows = cur.fetchall()
    number = FieldValue._meta.get_field("value_number")
    date = FieldValue._meta.get_field("value_date")
    fields: dict[int, dict[str, Any]] = {}
    tag_text = ""
    for names, pk, key, label, help_text, scope, kind, choices, order_types, required_at, pattern, public, vid, vtext, vnum, vdate in rows:  # fmt: skip
        tag_text = names or ""
        if pk is None:
            continue
        f = fields.get(pk)
        if f is None:
            spec = rules.FieldSpec(key=key, kind=kind, order_types=tuple(_json(order_types)), scope=scope)
            if not rules.applies_to(spec, order.order_type):
                continue
            f = fields[pk] = {
                "id": pk, "key": key, "label": label, "help_text": help_text, "scope": scope, "kind": kind,
                "choices": _json(choices), "required_at": _json(required_at), "pattern": pattern,
                "public": bool(public), "values": [],
            }  # fmt: skip
        if vid is not None:
            if kind == rules.Kind.NUMBER:
                f["values"].append(number.to_python(vnum))
            elif kind == rules.Kind.DATE:
                f["values"].append(date.to_python(vdate))
            else:
                f["values"].append(vtext)
    statuses = dict(StatusChoices.choices)
    for f in fields.values():
        f["required_labels"] = [str(statuses.get(s, s)) for s in f["required_at"]]
        f["value"] = json_value(f["kind"], f["values"])
        f["text"] = rules.show(f["kind"], f["values"])
    return list(fields.values()), sorted(tag_text.split())


def order_panel(request: Any, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    fields, tags = order_fields(order)
    return {
        "fields": fields,
        "tags": tags,
        "order": order,
        "can_edit": staff.can("order.work"),
        "can_edit_customer": staff.can("customer.edit"),
        "required_now": [],
    }

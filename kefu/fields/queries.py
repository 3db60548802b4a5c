"""Custom fields and tags in order lists: the filters (``?field.meter_no=…``, ``?field.visits.min=2``,
``?tag=…``) shared by the console queue, its export and the REST API, the exact-value search that lets
``q`` find an order by its meter number or 户号, and the columns of the exports. Read-only.

Each filter is one ``IN (subquery)`` served by the typed value indexes (``fieldvalue_text`` …: the
definition, then the value) — see docs/adr/0007-custom-field-storage.md for the plans at 1,000,000 orders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.fields import rules
from kefu.fields.actions import definitions, json_value
from kefu.fields.models import FieldDefinition, FieldValue, OrderTag
from kefu.lib.errors import ValidationFailed
from kefu.workorders.models import WorkOrder

PREFIX = "field."
MAX_FILTERS = 10
SEARCH_HITS = 1000


@dataclass
class FieldFilters:
    tags: list[str] = field(default_factory=list)
    # (definition, op, typed value): op "eq", "min", "max"
    values: list[tuple[FieldDefinition, str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tags or self.values)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tags:
            out["tag"] = self.tags
        for d, op, v in self.values:
            name = f"{PREFIX}{d.key}" + ("" if op == "eq" else f".{op}")
            out.setdefault(name, []).append(rules.show(d.kind, [v]))
        return out


def _getlist(params: Any, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return [str(v) for v in params.getlist(name)]
    v = params.get(name)
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]


def parse(params: Mapping[str, Any], *, public_only: bool = False) -> FieldFilters:
    """The tag and field filters of a query string (a ``QueryDict`` or a mapping). Unknown fields and
    values that do not fit the field are a ``ValidationFailed`` naming the parameter. ``public_only``:
    a customer filters by the fields shown to customers, and by no tag."""
    out = FieldFilters()
    for t in [] if public_only else _getlist(params, "tag"):
        out.tags += [n for n in rules.split_tags(t) if n not in out.tags]
    names = [k for k in params if str(k).startswith(PREFIX)]
    if not names:
        return out
    defs = {d.key: d for d in definitions() if d.public or not public_only}
    for name in names:
        rest = name[len(PREFIX) :]
        key, _sep, op = rest.partition(".")
        op = op or "eq"
        d = defs.get(key)
        if d is None:
            raise ValidationFailed("unknown_field", _("Unknown custom field “%(key)s”.") % {"key": key}, name)
        if op not in ("eq", "min", "max") or (
            op != "eq" and d.kind not in (rules.Kind.NUMBER, rules.Kind.DATE)
        ):
            raise ValidationFailed(
                "invalid", _("Use %(p)s, or .min / .max for numbers and dates.") % {"p": PREFIX + key}, name
            )
        for raw in _getlist(params, name):
            if not raw.strip():
                continue
            kind = rules.Kind.CHOICE if d.kind == rules.Kind.MULTI_CHOICE else d.kind
            spec = rules.FieldSpec(key=key, kind=kind, choices=tuple(d.choices or ()))
            try:
                parsed = rules.parse_value(spec, raw)
            except rules.ValueProblem:
                raise ValidationFailed(
                    "invalid",
                    _("“%(value)s” does not fit %(label)s.") % {"value": raw, "label": d.label},
                    name,
                ) from None
            out.values += [(d, op, v) for v in parsed]
    if len(out.values) + len(out.tags) > MAX_FILTERS:
        raise ValidationFailed(
            "too_many", _("At most %(n)d field and tag filters.") % {"n": MAX_FILTERS}, "tag"
        )
    return out


def key_of(text: str) -> str:
    """The key of the field named ``text`` (its key, or its label as the queue's box offers it)."""
    text = text.strip()
    for d in definitions():
        if text in (d.key, d.label):
            return d.key
    return text


def _column(d: FieldDefinition) -> str:
    if d.kind == rules.Kind.NUMBER:
        return "value_number"
    if d.kind == rules.Kind.DATE:
        return "value_date"
    return "value_text"


def filter_orders(qs: QuerySet[WorkOrder], f: FieldFilters) -> QuerySet[WorkOrder]:
    """``qs`` narrowed to the orders carrying every tag and matching every field filter (several values of
    one field with ``eq``: any of them)."""
    for t in f.tags:
        qs = qs.filter(pk__in=OrderTag.objects.filter(tag__name=t).values("workorder_id"))
    by_def: dict[tuple[int, str], list[Any]] = {}
    defs: dict[int, FieldDefinition] = {}
    for d, op, v in f.values:
        by_def.setdefault((d.pk, op), []).append(v)
        defs[d.pk] = d
    for (pk, op), vals in by_def.items():
        d = defs[pk]
        col = _column(d)
        if op == "eq":
            cond = {f"{col}__in": vals}
        elif op == "min":
            cond = {f"{col}__gte": max(vals)}
        else:
            cond = {f"{col}__lte": min(vals)}
        rows = FieldValue.objects.filter(definition_id=pk, **cond)
        if d.scope == rules.Scope.CUSTOMER:
            qs = qs.filter(customer_id__in=rows.values("customer_id"))
        else:
            qs = qs.filter(pk__in=rows.values("workorder_id"))
    return qs


def value_matches(q: str) -> tuple[list[int], list[int]]:
    """(order ids, customer ids) whose custom-field value is exactly ``q`` (a meter number, 户号): at most
    ``SEARCH_HITS`` of each, by the index on the value."""
    q = (q or "").strip()
    if not q or len(q) > 255:
        return [], []
    rows = list(
        FieldValue.objects.filter(value_text=q, definition__active=True).values_list(
            "workorder_id", "customer_id"
        )[: 2 * SEARCH_HITS]
    )
    orders = [o for o, _c in rows if o is not None][:SEARCH_HITS]
    customers = [c for _o, c in rows if c is not None][:SEARCH_HITS]
    return orders, customers


def search_with_values(
    unsearched: QuerySet[WorkOrder], searched: QuerySet[WorkOrder], q: str
) -> QuerySet[WorkOrder]:
    """The text search ``searched`` widened by the orders (or customers' orders) whose custom field is
    exactly ``q``; ``searched`` itself when no value matches (the usual case: no cost)."""
    orders, customers = value_matches(q)
    if not orders and not customers:
        return searched
    return unsearched.filter(
        Q(pk__in=searched.values("pk")) | Q(pk__in=orders) | Q(customer_id__in=customers)
    )


# --- exports and the API ---------------------------------------------------------------------------------


def export_header() -> tuple[list[FieldDefinition], list[str]]:
    defs = definitions()
    return defs, [d.label for d in defs] + [_("Tags")]


@dataclass(frozen=True)
class _Def:
    pk: int
    key: str
    kind: str
    scope: str
    order_types: tuple[str, ...]


def _page_rows(
    order_ids: list[int], customer_ids: list[int], *, with_definitions: bool, public_only: bool
) -> list[tuple[Any, ...]]:
    """One statement for a page of orders: the active definitions (``with_definitions``; rows "d"), the
    values of active fields on the orders or their customers ("v") and the orders' tags ("t"). Columns:
    (row, workorder_id, customer_id, definition_id, text, number, date, key, kind, scope, order_types,
    public)."""
    orders = ", ".join(["%s"] * len(order_ids))
    customers = ", ".join(["%s"] * len(customer_ids))
    public = " AND d.public" if public_only else ""
    parts = [
        "SELECT 'v', v.workorder_id, v.customer_id, v.definition_id, v.value_text, v.value_number, "
        "v.value_date, NULL, NULL, NULL, NULL, NULL FROM fields_fieldvalue v "
        f"JOIN fields_fielddefinition d ON d.id = v.definition_id AND d.active{public} "
        f"WHERE v.workorder_id IN ({orders}) OR v.customer_id IN ({customers})",
        "SELECT 't', ot.workorder_id, NULL, NULL, tg.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
        f"FROM fields_ordertag ot JOIN fields_tag tg ON tg.id = ot.tag_id WHERE ot.workorder_id IN ({orders})",
    ]
    params: list[Any] = [*order_ids, *customer_ids, *order_ids]
    if with_definitions:  # first: its typed columns give the union its types (PostgreSQL)
        parts.insert(
            0,
            "SELECT 'd', NULL, NULL, d.id, NULL, NULL, NULL, d.key, d.kind, d.scope, "
            f"CAST(d.order_types AS TEXT), d.public FROM fields_fielddefinition d WHERE d.active{public}",
        )
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return list(cur.fetchall())


def fields_of_orders(
    orders: list[WorkOrder], defs: list[FieldDefinition] | None = None, *, public_only: bool = False
) -> dict[int, dict[str, Any]]:
    """order id → {"custom_fields": {key: JSON value}, "tags": [...], "_raw": typed values} for a page of
    orders, in one statement (the definitions too, unless ``defs`` are given). ``public_only``: the fields
    shown to customers."""
    if not orders:
        return {}
    number = FieldValue._meta.get_field("value_number")
    date = FieldValue._meta.get_field("value_date")
    raw: dict[int, dict[str, list[Any]]] = {o.pk: {} for o in orders}
    tags: dict[int, list[str]] = {o.pk: [] for o in orders}
    cust_orders: dict[int, list[int]] = {}
    for o in orders:
        cust_orders.setdefault(o.customer_id, []).append(o.pk)
    rows = _page_rows(list(raw), list(cust_orders), with_definitions=defs is None, public_only=public_only)
    specs: list[_Def] = []
    if defs is not None:
        specs = [_Def(d.pk, d.key, d.kind, d.scope, tuple(d.order_types or ())) for d in defs]
    for row in rows:
        if row[0] == "d":
            types = row[10]
            specs.append(_Def(row[3], row[7], row[8], row[9], tuple(json.loads(types) if types else ())))
    by_pk = {d.pk: d for d in specs}
    values = sorted((r for r in rows if r[0] == "v"), key=lambda r: (r[3], r[4] or ""))
    for _row, wid, cid, did, text, num, day, *_rest in values:
        d = by_pk.get(did)
        if d is None:  # not among the definitions given
            continue
        if d.kind == rules.Kind.NUMBER:
            value = number.to_python(num)
        elif d.kind == rules.Kind.DATE:
            value = date.to_python(day)
        else:
            value = text
        for t in [wid] if wid is not None else cust_orders.get(cid, []):
            raw[t].setdefault(d.key, []).append(value)
    for _row, wid, *_rest in (r for r in rows if r[0] == "t"):
        tags[wid].append(_rest[2])
    order = {"customer": 0, "order": 1}
    specs.sort(key=lambda d: order.get(d.scope, 2))
    if defs is None:  # the definitions' own order (scope, position, id) as read
        pos = {r[3]: i for i, r in enumerate(rows) if r[0] == "d"}
        specs.sort(key=lambda d: (order.get(d.scope, 2), pos.get(d.pk, 0)))
    out: dict[int, dict[str, Any]] = {}
    for o in orders:
        applicable = [
            d for d in specs
            if rules.applies_to(rules.FieldSpec(key=d.key, kind=d.kind, order_types=d.order_types, scope=d.scope), o.order_type)
        ]  # fmt: skip
        out[o.pk] = {
            "custom_fields": {d.key: json_value(d.kind, raw[o.pk].get(d.key, [])) for d in applicable},
            "tags": sorted(tags[o.pk]),
            "_raw": raw[o.pk],
        }
    return out


def export_rows(orders: Iterable[WorkOrder], cells: Any, batch: int = 2000) -> Iterator[list[Any]]:
    """The export's rows: ``cells(order)`` followed by one cell per custom field and the tags, reading the
    values per batch of orders (two statements per batch)."""
    defs, _header = export_header()
    chunk: list[WorkOrder] = []

    def flush() -> Iterator[list[Any]]:
        extra = fields_of_orders(chunk, defs)
        for o in chunk:
            e = extra[o.pk]
            yield [
                *cells(o),
                *(rules.show(d.kind, e["_raw"].get(d.key, [])) for d in defs),
                " ".join(e["tags"]),
            ]

    for o in orders:
        chunk.append(o)
        if len(chunk) >= batch:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()

"""Rows of another table read with the row that owns them: a scalar subquery that returns them as one JSON
array, and the model instances rebuilt from it.

The order page reads an order with one query; each of its cards (links, escalations, notices, visits …) used
to read its rows with a query of its own, so an order with every kind of card cost one statement more per
kind. :class:`JSONRows` puts a card's rows in the SELECT of the owner's query instead (PostgreSQL:
``jsonb_agg``; SQLite: ``json_group_array``), in the order of the row query; :func:`instances` turns the
array back into unsaved-looking but real model instances (every concrete field set, so reading a field
never queries), with the related rows the card shows (``select_related`` in the JSON)::

    qs.annotate(notices=JSONRows(Notice.objects.filter(order_id=OuterRef("pk")).order_by("at"),
                                 Notice, related={"issued_by": Staff}))
    notices = instances(Notice, order.notices, related={"issued_by": Staff})
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models
from django.db.models import F, Func, JSONField, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject

# field name -> model class, or (model class, nested Related[, the fields to read: default all concrete])
Related = Mapping[str, Any]


def _spec(spec: Any) -> tuple[type[models.Model], Related, Sequence[str] | None]:
    if not isinstance(spec, tuple):
        return spec, {}, None
    return spec[0], spec[1], spec[2] if len(spec) > 2 else None


def _fields(model: type[models.Model], only: Sequence[str] | None) -> list[Any]:
    """The concrete fields read: all, or those named in ``only`` and the primary key."""
    if only is None:
        return list(model._meta.concrete_fields)
    names = set(only) | {model._meta.pk.name}
    return [f for f in model._meta.concrete_fields if f.name in names or f.attname in names]


class _AsJSON(Func):
    """A JSON column inside ``JSONObject``: SQLite keeps it as text, so it is embedded through ``json()``
    (otherwise the object would hold a string); PostgreSQL's column is JSON already."""

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="json(%(expressions)s)", **extra)


def _column(field: Any, path: str) -> Any:
    return _AsJSON(F(path)) if isinstance(field, models.JSONField) else F(path)


def _fields_json(
    model: type[models.Model],
    prefix: str,
    related: Related,
    only: Sequence[str] | None,
    extra: Mapping[str, Any] | None = None,
) -> Any:
    values: dict[str, Any] = {f.attname: _column(f, prefix + f.attname) for f in _fields(model, only)}
    values.update(extra or {})
    for name, spec in related.items():
        rel_model, nested, rel_only = _spec(spec)
        values[name] = _fields_json(rel_model, f"{prefix}{name}__", nested, rel_only)
    return JSONObject(**values)


class JSONRows(Subquery):
    """The rows of ``queryset`` (correlated with ``OuterRef``; its ordering kept; at most ``limit``) as one
    JSON array of objects with every concrete field of ``model`` (or those in ``only``; keys: the fields'
    ``attname``) and, nested under the relation's name, the fields of each related row in ``related``.
    An empty array when there are none."""

    def __init__(
        self,
        queryset: Any,
        model: type[models.Model],
        related: Related | None = None,
        only: Sequence[str] | None = None,
        limit: int = 500,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        # ``extra``: more keys, expressions on the row (e.g. a count), set as attributes by ``instances``
        qs = queryset.values(kefu_row=_fields_json(model, "", related or {}, only, extra))
        if qs.query.high_mark is None:
            # a subquery without LIMIT loses its ORDER BY (Django drops it); the limit also bounds the page
            qs = qs[:limit]
        super().__init__(qs, output_field=JSONField())

    def as_sql(self, compiler: Any, connection: Any, template: str | None = None, **extra: Any) -> Any:
        if connection.vendor == "postgresql":
            template = "COALESCE((SELECT jsonb_agg(r.kefu_row) FROM (%(subquery)s) r), '[]'::jsonb)"
        else:
            template = "COALESCE((SELECT json_group_array(json(r.kefu_row)) FROM (%(subquery)s) r), '[]')"
        return super().as_sql(compiler, connection, template=template, **extra)


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    """A field's value as its model holds it, from what JSON carried (text, number, bool, object)."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        parsed = field.to_python(str(value).replace(" ", "T"))
        if parsed is not None and parsed.tzinfo is None:  # SQLite keeps UTC without an offset
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed
    if isinstance(field, models.DecimalField):  # JSON carried a number: back to the column's scale
        number = Decimal(str(value))
        return (
            number
            if field.decimal_places is None
            else number.quantize(Decimal(1).scaleb(-field.decimal_places))
        )
    if isinstance(field, models.DurationField) and isinstance(value, int | float):
        return dt.timedelta(microseconds=value)  # SQLite: microseconds
    if isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def instance(
    model: type[models.Model],
    row: Mapping[str, Any],
    related: Related | None = None,
    only: Sequence[str] | None = None,
    extra: Sequence[str] = (),
) -> Any:
    """One model instance from one object of a :class:`JSONRows` array (as if read by the ORM; with
    ``only``, the other fields deferred as ``QuerySet.only`` leaves them)."""
    fields = _fields(model, only)
    obj = model.from_db(None, [f.attname for f in fields], [_value(f, row.get(f.attname)) for f in fields])
    for name, spec in (related or {}).items():
        rel_model, nested, rel_only = _spec(spec)
        data = row.get(name)
        pk_name = rel_model._meta.pk.attname
        rel = instance(rel_model, data, nested, rel_only) if data and data.get(pk_name) is not None else None
        model._meta.get_field(name).set_cached_value(obj, rel)  # type: ignore[union-attr]
    for name in extra or ():
        setattr(obj, name, row.get(name))
    return obj


def instances(
    model: type[models.Model],
    rows: Any,
    related: Related | None = None,
    only: Sequence[str] | None = None,
    extra: Sequence[str] = (),
) -> list[Any]:
    """The model instances of a :class:`JSONRows` array (a list, or its JSON text); the keys in ``extra``
    (:class:`JSONRows`' ``extra``) become attributes."""
    if isinstance(rows, str):
        rows = json.loads(rows)
    return [instance(model, row, related, only, extra) for row in rows or ()]


def prefetched(model: type[models.Model], objs: list[Any]) -> Any:
    """A queryset holding ``objs`` as its result, for ``instance._prefetched_objects_cache`` (what
    ``prefetch_related`` leaves there): ``related_manager.all()`` then reads them without a query."""
    qs = model._default_manager.all()
    qs._result_cache = objs  # type: ignore[attr-defined]
    qs._prefetch_done = True  # type: ignore[attr-defined]
    return qs


# (database alias, key) -> {name: (SQL, parameters, output field)} of annotations compiled once per process
_compiled: dict[tuple[str, str], dict[str, tuple[str, tuple[Any, ...], Any]]] = {}


def precompiled(
    model: type[models.Model],
    key: str,
    build: Callable[[], Mapping[str, Any]],
    *,
    using: str = "default",
) -> dict[str, Any]:
    """The annotations ``build()`` returns for a query of ``model`` (``{name: expression}``), as raw SQL
    built and compiled once per process and database under ``key``: building and compiling a dozen
    correlated subqueries with JSON objects costs more CPU than running them, on every request. Only for
    expressions that depend on nothing but the row (no user, no time, no request: the same SQL every
    time; correlated with ``OuterRef`` to the base table of ``model``'s query, whose alias is its table
    name). ``key`` names everything ``build`` depends on (e.g. the registered panels)."""
    conn = connections[using]
    hit = _compiled.get((conn.alias, key))
    if hit is None:
        hit = {}
        for name, expression in build().items():
            query = model._default_manager.using(conn.alias).annotate(**{name: expression}).query
            resolved = query.annotations[name]
            sql, params = query.get_compiler(conn.alias).compile(resolved)
            hit[name] = (sql, tuple(params), resolved.output_field)
        _compiled[(conn.alias, key)] = hit
    # the SQL Django's compiler wrote from ORM expressions, its parameters apart: nothing interpolated
    return {name: RawSQL(sql, params, output_field=out) for name, (sql, params, out) in hit.items()}  # noqa: S611

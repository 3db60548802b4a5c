"""Writing the service log. Call inside the transaction of the change being logged."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from kefu.audit.models import AuditRecord
from kefu.lib import batch, clock


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, JSON-ready, for before/after records."""
    result: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"search_text", "search_grams"}:
            continue
        result[field.attname] = _jsonable(getattr(obj, field.attname))
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def build(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    customer_id: int | None = None,
    workorder_id: int | None = None,
    summary: str = "",
) -> AuditRecord:
    """One service-log entry, not saved yet: :func:`record_many` writes several of one change together."""
    user = getattr(actor, "user", actor) if actor is not None else None
    if user is not None and not getattr(user, "pk", None):
        user = None
    label = "system"
    if actor is not None:
        staff = getattr(user, "staff", None) if user is not None else None
        label = str(staff) if staff is not None else (user.get_username() if user is not None else str(actor))
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    return AuditRecord(
        at=clock.now(),
        actor=user,
        actor_label=label[:200],
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        customer_id=customer_id,
        workorder_id=workorder_id,
        before=_jsonable(before) if before else None,
        after=_jsonable(after) if after else None,
        summary=summary[:500],
    )


def record_many(records: list[AuditRecord]) -> list[AuditRecord]:
    """Append the entries of one change in one INSERT. Must run inside the caller's transaction.
    Inside ``kefu.lib.batch.deferred()`` the INSERT joins the action's other writes (the records' ids
    are set when the batch is written)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the transaction of the change")
    if batch.defer_insert(records):
        return records
    if len(records) == 1:
        records[0].save(force_insert=True)
        return records
    return AuditRecord.objects.bulk_create(records)


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    customer_id: int | None = None,
    workorder_id: int | None = None,
    summary: str = "",
) -> AuditRecord:
    """Append one entry to the service log. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the transaction of the change")
    return record_many(
        [
            build(
                actor,
                action,
                obj,
                object_type=object_type,
                object_id=object_id,
                before=before,
                after=after,
                customer_id=customer_id,
                workorder_id=workorder_id,
                summary=summary,
            )
        ]
    )[0]

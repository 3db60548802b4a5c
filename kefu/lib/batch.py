"""The writes of one action in as few round trips as possible (a write-behind buffer).

Inside ``with batch.deferred():`` the writers that support it (:func:`defer_insert`, :func:`defer_update`:
the audit log, the contact history, the outbox's new rows, the live events, a new order's rows and a
reply's) queue their rows instead of writing them at once. The queue is written

- before the next statement the connection runs, whatever it is (a read, a lock, a savepoint, another
  writer's INSERT): every statement sees what was written before it, exactly as without the buffer;
- at the end of the block.

On PostgreSQL the queue is **one statement**: each INSERT and UPDATE a data-modifying ``WITH`` part
(``WITH w0 AS (INSERT …), w1 AS (UPDATE …) SELECT …``), the ids of inserted rows returned where the
caller did not set them, and live events notified in the same statement (``pg_notify``). On SQLite it is
one statement per table in the order queued (a multi-row INSERT for several rows of one table).

What a caller must know:

- a row queued without its id gets it when the queue is written: do not read ``obj.pk`` of a row
  queued in the block before the next statement (the writers above return rows whose id their callers
  on the hot paths do not use);
- an UPDATE queued for a row whose INSERT is still queued is not sent: the INSERT is compiled when the
  queue is written and carries the object's values at that moment;
- the block must be inside the transaction of the change (``transaction.atomic``): an exception leaving
  the block drops what was not written yet, and the transaction rolls back anyway;
- a row-count check of an UPDATE (``save(update_fields=…)`` raising when no row matched) is not made:
  queue UPDATEs only of rows the action holds locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, Q
from django.db.models.sql import InsertQuery, UpdateQuery

_ATTR = "_kefu_write_batch"


class _Batch:
    def __init__(self, conn: BaseDatabaseWrapper) -> None:
        self.conn = conn
        # in the order queued: ("insert", model, objs, notify) / ("update", model, obj, values)
        self.ops: list[tuple[str, type[Model], Any, Any]] = []
        self.pending_inserts: set[int] = set()  # id() of objects whose INSERT is queued
        self.updates: dict[tuple[type[Model], Any], dict[str, Any]] = {}
        self.flushing = False

    # -- queueing ------------------------------------------------------------------------------------
    def insert(self, objs: Sequence[Model], notify: str) -> None:
        model = type(objs[0])
        for pk_set in (True, False):  # rows with their id given and rows that get one, apart
            group = [o for o in objs if (o.pk is not None) == pk_set]
            if group:
                self.ops.append(("insert", model, group, notify))
                self.pending_inserts.update(id(o) for o in group)

    def update(self, obj: Model, fields: Sequence[str]) -> None:
        if id(obj) in self.pending_inserts:
            return  # the queued INSERT carries the values
        meta = obj._meta
        values = {}
        for name in fields:
            f = cast("Field[Any, Any]", meta.get_field(name))
            values[f.attname] = f.pre_save(obj, False)
        key = (type(obj), obj.pk)
        if key in self.updates:
            self.updates[key].update(values)
        else:
            self.updates[key] = values
            self.ops.append(("update", type(obj), obj.pk, values))

    # -- writing -------------------------------------------------------------------------------------
    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.ops and not self.flushing:
            self.flush()
        return execute(sql, params, many, context)

    def flush(self) -> None:
        if not self.ops:
            return
        ops, self.ops = self.ops, []
        self.pending_inserts.clear()
        self.updates.clear()
        self.flushing = True
        try:
            if self.conn.vendor == "postgresql":
                self._flush_one_statement(ops)
            else:
                self._flush_in_order(ops)
        finally:
            self.flushing = False

    def discard(self) -> None:
        self.ops = []
        self.pending_inserts.clear()
        self.updates.clear()

    def _flush_in_order(self, ops: list[tuple[str, type[Model], Any, Any]]) -> None:
        for kind, model, what, values in ops:
            if kind == "insert":
                if len(what) == 1:  # like save(): the id comes back with the INSERT
                    what[0].save(force_insert=True, using=self.conn.alias)
                else:
                    model._base_manager.using(self.conn.alias).bulk_create(what)
            else:
                model._base_manager.using(self.conn.alias).filter(pk=what).update(**values)

    def _flush_one_statement(self, ops: list[tuple[str, type[Model], Any, Any]]) -> None:
        qn = self.conn.ops.quote_name
        parts: list[str] = []
        params: list[Any] = []
        selects: list[str] = []
        select_params: list[Any] = []
        returned: dict[int, list[Model]] = {}
        for i, (kind, model, what, extra) in enumerate(ops):
            meta = model._meta
            if kind == "insert":
                pk_set = what[0].pk is not None
                for o in what:  # a related object given before it had its id (as bulk_create does)
                    o._prepare_related_fields_for_save(operation_name="batch.defer_insert")
                fields = [
                    f
                    for f in meta.local_concrete_fields
                    if not f.generated and (pk_set or f is not meta.auto_field)
                ]
                query = InsertQuery(model)
                query.insert_values(fields, what, raw=False)
                compiler = query.get_compiler(connection=self.conn)
                notify = extra
                if not pk_set or notify:  # the ids come back (a SELECT of the statement reads them)
                    compiler.returning_fields = [meta.pk]
                (sql, p), *rest = compiler.as_sql()
                assert not rest, "one INSERT per group"
                parts.append(f"w{i} AS ({sql})")
                params += p
                if not pk_set or notify:
                    if not pk_set:
                        returned[i] = what
                    pk = qn(meta.pk.column or "id")  # type: ignore[union-attr]  # every model has one
                    if notify:
                        # the id comes back only when it was not given; the NOTIFY names it either way
                        selects.append(
                            f"SELECT {i} AS k, {pk} AS id, pg_notify(%s, {pk}::text)::text AS n FROM w{i}"  # noqa: S608
                        )
                        select_params.append(notify)
                    else:
                        selects.append(f"SELECT {i} AS k, {pk} AS id, NULL::text AS n FROM w{i}")  # noqa: S608
                for o in what:
                    o._state.adding = False
                    o._state.db = self.conn.alias
            else:
                update = UpdateQuery(model)
                update.add_update_values(extra)
                update.add_q(Q(pk=what))
                sql, p = update.get_compiler(connection=self.conn).as_sql()
                parts.append(f"w{i} AS ({sql})")
                params += p
        if not parts:
            return
        if not selects:
            tail = "SELECT 1"
        else:
            # n (the NOTIFY's void as text) is selected so that the NOTIFY is evaluated
            tail = f"SELECT k, id, n FROM ({' UNION ALL '.join(selects)}) AS u ORDER BY k, id"  # noqa: S608
        sql = "WITH " + ", ".join(parts) + " " + tail
        with self.conn.cursor() as cur:
            cur.execute(sql, [*params, *select_params])
            rows = cur.fetchall() if selects else []
        by_part: dict[int, list[Any]] = {}
        for k, pk, _n in rows:
            by_part.setdefault(k, []).append(pk)
        for i, objs in returned.items():
            ids = by_part.get(i, [])
            if len(ids) != len(objs):
                raise RuntimeError("the batched INSERT returned another number of rows than it was given")
            for o, pk in zip(objs, ids, strict=True):
                o.pk = pk


def current(using: str = DEFAULT_DB_ALIAS) -> _Batch | None:
    return getattr(connections[using], _ATTR, None)  # type: ignore[no-any-return]


@contextmanager
def deferred(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Queue the supporting writers' rows until the next statement or the end of the block (see the
    module's description). Nested blocks join the outer one."""
    conn = connections[using]
    if getattr(conn, _ATTR, None) is not None:
        yield
        return
    if not conn.in_atomic_block:
        raise RuntimeError("batch.deferred must run inside the transaction of the change")
    b = _Batch(conn)
    setattr(conn, _ATTR, b)
    try:
        with conn.execute_wrapper(b.before_statement):
            try:
                yield
            except BaseException:
                b.discard()
                raise
            b.flush()
    finally:
        setattr(conn, _ATTR, None)


def defer_insert(objs: Sequence[Model], *, notify: str = "", using: str = DEFAULT_DB_ALIAS) -> bool:
    """Queue the INSERT of ``objs`` (one model) in the open batch; False, and nothing done, when no batch
    is open (the caller writes them itself). ``notify``: on PostgreSQL, ``pg_notify(notify, id)`` for each
    row in the same statement."""
    b = current(using)
    if b is None or not objs:
        return b is not None
    b.insert(objs, notify if b.conn.vendor == "postgresql" else "")
    return True


def defer_update(obj: Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Queue ``UPDATE … SET fields WHERE pk`` with the object's values now; False when no batch is open."""
    b = current(using)
    if b is None:
        return False
    b.update(obj, fields)
    return True

"""Race-free sequence numbers, allocated inside the caller's transaction."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from kefu.organization.models import NumberSequence


def next_value(key: str) -> int:
    """Increment and return the counter ``key`` (see :func:`next_value_and_id`)."""
    return next_value_and_id(key, None)[0]


def next_value_and_id(key: str, model: type[Model] | None) -> tuple[int, int | None]:
    """Increment and return the counter ``key``; on PostgreSQL with ``model`` also the next id of its table,
    from its sequence, in the same statement (a new row's INSERT can then wait and join other writes;
    a rolled-back transaction leaves a gap in the ids, as an INSERT does). The id is None otherwise.

    The UPDATE takes the row lock (PostgreSQL) or the database write lock (SQLite, IMMEDIATE
    transactions) and holds it until the caller commits, so two transactions never see the same value;
    a rolled-back transaction gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside a transaction")
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    next_id = ""
    if model is not None and connection.vendor == "postgresql":
        seq_of = model._meta.db_table  # a model's table name: no quoting needed inside the literal
        next_id = f", nextval(pg_get_serial_sequence('{seq_of}', '{model._meta.pk.column}'))"
    for _attempt in range(3):
        # one statement: the increment answers with the new value (UPDATE … RETURNING, PostgreSQL and
        # SQLite ≥ 3.35)
        with connection.cursor() as cur:
            sql = f'UPDATE {table} SET "value" = "value" + 1 WHERE "key" = %s RETURNING "value"{next_id}'  # noqa: S608 - the model's table
            cur.execute(sql, [key])
            row = cur.fetchone()
        if row is not None:
            return int(row[0]), (int(row[1]) if next_id else None)
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, value=1)
            return 1, None
        except IntegrityError:
            continue  # another transaction created it first; increment that row
    raise RuntimeError(f"could not allocate a number for {key}")

"""Race-free sequence numbers, allocated inside the caller's transaction."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from kefu.organization.models import NumberSequence


def next_value(key: str) -> int:
    """Increment and return the counter ``key``.

    The UPDATE takes the row lock (PostgreSQL) or the database write lock (SQLite, IMMEDIATE
    transactions) and holds it until the caller commits, so two transactions never see the same value;
    a rolled-back transaction gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside a transaction")
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    for _attempt in range(3):
        # one statement: the increment answers with the new value (UPDATE … RETURNING, PostgreSQL and
        # SQLite ≥ 3.35)
        with connection.cursor() as cur:
            sql = f'UPDATE {table} SET "value" = "value" + 1 WHERE "key" = %s RETURNING "value"'  # noqa: S608 - the model's table
            cur.execute(sql, [key])
            row = cur.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, value=1)
            return 1
        except IntegrityError:
            continue  # another transaction created it first; increment that row
    raise RuntimeError(f"could not allocate a number for {key}")

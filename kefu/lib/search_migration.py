"""Migration operations that create the search index for the current database vendor."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from kefu.lib import search


def search_index_operation(table: str) -> migrations.RunPython:
    def forward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            statements = search.sqlite_fts_sql(table)
        elif vendor == "postgresql":
            statements = search.pg_column_sql(table)
        else:
            return
        for sql in statements:
            schema_editor.execute(sql)

    def backward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TABLE IF EXISTS {search.FTS_TABLES[table]}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_grams_gin")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_grams")

    return migrations.RunPython(forward, backward, elidable=False)

"""Settings for more than one machine: ``DATABASE_REPLICA_URL`` (kefu.lib.replica), a pooler in transaction
mode (``KEFU_DB_TRANSACTION_POOLER``) and the live hub's own ``LISTEN`` connection (``KEFU_LIVE_LISTEN_URL``).
Each is read by a fresh interpreter from its environment, as a server process does."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.test import override_settings

from kefu.lib import replica
from kefu.live import hub

PG = "postgres://kefu@db1.internal:5432/kefu"
REPLICA = "postgres://reader@db2.internal:5433/kefu"


def _settings(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "kefu.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_replica_gets_its_address_and_the_primarys_options() -> None:
    expr = (
        "[(a, d['HOST'], d['PORT'], d['USER'], d.get('OPTIONS'), d.get('TEST', {}).get('MIRROR')) "
        "for a, d in settings.DATABASES.items()], settings.DATABASE_ROUTERS"
    )
    out = _settings({"DATABASE_URL": PG, "DATABASE_REPLICA_URL": REPLICA}, expr)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "[('default', 'db1.internal', 5432, 'kefu', {'options': '-c jit=off', 'prepare_threshold': 0}, None), "
        "('replica', 'db2.internal', 5433, 'reader', {'options': '-c jit=off', 'prepare_threshold': 0}, "
        "'default')] "
        "['kefu.lib.replica.ReplicaRouter']"
    )
    # without it: one database, the router sends everything to it
    alone = _settings({"DATABASE_URL": PG}, "list(settings.DATABASES)")
    assert alone.stdout.strip() == "['default']"


def test_a_replica_needs_postgresql_on_both_sides(tmp_path: object) -> None:
    on_sqlite = _settings({"DATABASE_URL": "sqlite:///x.sqlite3", "DATABASE_REPLICA_URL": REPLICA}, "1")
    assert (
        on_sqlite.returncode != 0
        and "DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL" in on_sqlite.stderr
    )
    bad = _settings({"DATABASE_URL": PG, "DATABASE_REPLICA_URL": "sqlite:///y.sqlite3"}, "1")
    assert bad.returncode != 0 and "must be a PostgreSQL URL" in bad.stderr


def test_a_transaction_pooler_turns_server_side_cursors_off() -> None:
    expr = "[d.get('DISABLE_SERVER_SIDE_CURSORS') for d in settings.DATABASES.values()]"
    on = _settings(
        {"DATABASE_URL": PG, "DATABASE_REPLICA_URL": REPLICA, "KEFU_DB_TRANSACTION_POOLER": "true"}, expr
    )
    assert on.stdout.strip() == "[True, True]", on.stderr
    off = _settings({"DATABASE_URL": PG}, expr)
    assert off.stdout.strip() == "[False]", off.stderr


def test_prepared_statements_are_on_unless_a_transaction_pooler_is_in_between() -> None:
    expr = "settings.KEFU_DB_PREPARED_STATEMENTS, settings.DATABASES['default']['OPTIONS'].get('prepare_threshold')"
    assert _settings({"DATABASE_URL": PG}, expr).stdout.strip() == "True 0"
    pooled = _settings({"DATABASE_URL": PG, "KEFU_DB_TRANSACTION_POOLER": "true"}, expr)
    assert pooled.stdout.strip() == "False None", pooled.stderr
    off = _settings({"DATABASE_URL": PG, "KEFU_DB_PREPARED_STATEMENTS": "false"}, expr)
    assert off.stdout.strip() == "False None", off.stderr


def test_the_hub_listens_on_its_own_url_when_one_is_set() -> None:
    with override_settings(KEFU_LIVE_LISTEN_URL="postgres://kefu@db1.internal:5432/kefu"):
        assert hub._conninfo() == "postgres://kefu@db1.internal:5432/kefu"
    with override_settings(KEFU_LIVE_LISTEN_URL=""):
        assert "db1.internal" not in hub._conninfo()


@pytest.mark.django_db
def test_without_a_replica_every_read_is_on_the_primary() -> None:
    from kefu.workorders.models import WorkOrder

    assert not replica.configured()
    with replica.replica_reads():
        assert replica.alias() == DEFAULT_DB_ALIAS
        assert WorkOrder.objects.all().db == DEFAULT_DB_ALIAS

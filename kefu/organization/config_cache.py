# ruff: noqa: S608 - trigger DDL built from the fixed table and group names of GROUPS, no input
"""Per-process cache of configuration tables with a version check.

The organisation tables (branches, departments, service areas) and the service catalogue's tables
(services, time limits, service materials) change rarely and are read on every order page and every new
order. :func:`cached` keeps what a loader read in this process together with the token of its group
(``ConfigVersion``); a database trigger gives the group a new random token on every insert, update or
delete of one of its tables (installed by the migrations ``organization.0007`` and ``commitments.0013``),
so a change by any process, the admin, a bulk update or plain SQL is seen at the next check.

The check is one query (all tokens) per request, or none when the request's first query of an order
brings the tokens with it (:func:`token_annotations`, :func:`seed`): the tokens are read at the first use in a request and
kept until the request ends; outside a request (jobs, the shell, tests calling actions) every use reads
them. A save or delete through the ORM in this process drops the request's tokens at once, so a request
reads what it wrote. A random token (not a counter) keeps a rolled-back change from being mistaken for a
later committed one. Values are shared between threads: loaders return lists or dicts of model instances
that callers must not change (:func:`row` hands out a copy)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models import Subquery
from django.db.models.signals import post_delete, post_save

from kefu.organization.models import Branch, ConfigVersion, ServiceArea

T = TypeVar("T")

ORGANIZATION = "organization"
COMMITMENTS = "commitments"
STANDARDS = "standards"  # forbidden phrases, greeting rules (a reply's checks)
SMS_TEMPLATES = "sms_templates"  # the administrators' SMS texts
AUTOMATION = "automation"  # triggers and webhooks (whether an event interests any)

# the tables of each group (the triggers' targets)
GROUPS: dict[str, tuple[str, ...]] = {
    ORGANIZATION: ("organization_branch", "organization_department", "organization_servicearea"),
    COMMITMENTS: ("commitments_service", "commitments_timelimit", "commitments_servicematerial"),
    STANDARDS: ("standards_forbiddenphrase", "standards_greetingrule"),
    SMS_TEMPLATES: ("channels_smstemplate",),
    AUTOMATION: ("automation_trigger", "automation_webhook"),
}
TABLE_GROUP = {table: group for group, tables in GROUPS.items() for table in tables}

_values: dict[str, tuple[int, Any]] = {}
_lock = threading.Lock()
_local = threading.local()


def _tokens() -> dict[str, int]:
    tokens: dict[str, int] | None = getattr(_local, "tokens", None)
    if tokens is None:
        tokens = dict(ConfigVersion.objects.values_list("name", "token"))
        if getattr(_local, "in_request", False):
            _local.tokens = tokens
    return tokens


def token_annotations() -> dict[str, Any]:
    """Every group's token as a scalar subquery, for a query the request runs anyway (the order's):
    :func:`seed` then takes them from its row and the request needs no query of its own for them."""
    return {
        f"kefu_cv_{group}": Subquery(ConfigVersion.objects.filter(name=group).values("token")[:1])
        for group in GROUPS
    }


def seed(obj: Any) -> None:
    """The request's tokens from a row annotated with :func:`token_annotations` (inside a request, when
    none were read yet; otherwise nothing)."""
    if not getattr(_local, "in_request", False) or getattr(_local, "tokens", None) is not None:
        return
    names = {group: f"kefu_cv_{group}" for group in GROUPS}
    if not all(hasattr(obj, name) for name in names.values()):
        return  # not annotated: read them as usual
    # a group without its row (none written since the table was emptied) has token 0, as in _tokens()
    _local.tokens = {group: getattr(obj, name) or 0 for group, name in names.items()}


def token(group: str) -> int:
    """The current token of ``group`` (read as :func:`cached` reads it): for caches kept elsewhere."""
    return _tokens().get(group, 0)


def cached(group: str, key: str, load: Callable[[], T]) -> T:
    """``load()`` once per token of ``group``: what was read in this process while the group's tables
    are unchanged."""
    token = _tokens().get(group, 0)
    name = f"{connection.alias}:{group}:{key}"
    hit = _values.get(name)
    if hit is not None and hit[0] == token:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        _values[name] = (token, value)
    return value


def row(group: str, key: str, load: Callable[[], dict[Any, Any]], pk: Any) -> Any:
    """A copy of one model instance of a cached ``{pk: instance}`` mapping (None when absent)."""
    obj = cached(group, key, load).get(pk)
    return copy.copy(obj) if obj is not None else None


def branch_of(obj: Any) -> Any:
    """``obj.branch`` (an order, a customer) from this cache unless ``obj`` carries it already."""
    if "branch" in obj._state.fields_cache or obj.branch_id is None:
        return obj.branch
    found = row(ORGANIZATION, "branches", lambda: {b.pk: b for b in Branch.objects.all()}, obj.branch_id)
    return found if found is not None else obj.branch


def area_of(obj: Any) -> Any:
    """``obj.area`` (a customer, an order) from this cache unless ``obj`` carries it already."""
    if "area" in obj._state.fields_cache or obj.area_id is None:
        return obj.area
    found = row(
        ORGANIZATION, "areas:by_pk", lambda: {a.pk: a for a in ServiceArea.objects.all()}, obj.area_id
    )
    return found if found is not None else obj.area


def clear() -> None:
    """Forget everything read (tests that swap the database under the process)."""
    with _lock:
        _values.clear()
    _local.tokens = None


def _request_started(**_kwargs: Any) -> None:
    _local.in_request = True
    _local.tokens = None


def _request_finished(**_kwargs: Any) -> None:
    _local.in_request = False
    _local.tokens = None


def _changed(sender: Any, **_kwargs: Any) -> None:
    if sender._meta.db_table in TABLE_GROUP:
        _local.tokens = None  # this request reads what it just wrote


def connect() -> None:
    """Called by ``OrganizationConfig.ready``."""
    request_started.connect(_request_started, dispatch_uid="config-cache-start")
    request_finished.connect(_request_finished, dispatch_uid="config-cache-finish")
    post_save.connect(_changed, dispatch_uid="config-cache-save")
    post_delete.connect(_changed, dispatch_uid="config-cache-delete")


# --- the triggers (installed by migrations) ------------------------------------------------------------

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION kefu_config_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kefu_config_version (name, token) VALUES (TG_ARGV[0], (random() * 9e15)::bigint)
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$;
"""


def install_triggers(schema_editor: Any, tables: tuple[str, ...]) -> None:
    """The version triggers of ``tables`` (each in its group of :data:`GROUPS`), and the group's row."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        group = TABLE_GROUP[table]
        if vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION)
            schema_editor.execute(
                f"CREATE TRIGGER kefu_cv_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION kefu_config_version_bump('{group}')"
            )
            bump = "(random() * 9e15)::bigint"
        else:
            for op in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER kefu_cv_{table}_{op.lower()} AFTER {op} ON {table} BEGIN "
                    f"INSERT INTO kefu_config_version (name, token) VALUES ('{group}', abs(random())) "
                    "ON CONFLICT(name) DO UPDATE SET token = excluded.token; END"
                )
            bump = "abs(random())"
        schema_editor.execute(
            f"INSERT INTO kefu_config_version (name, token) VALUES ('{group}', {bump}) "
            "ON CONFLICT(name) DO NOTHING"
        )


def drop_triggers(schema_editor: Any, tables: tuple[str, ...]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS kefu_cv_{table} ON {table}")
        else:
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS kefu_cv_{table}_{op}")


def ensure_sqlite_triggers(using: str = "default", **_kwargs: Any) -> list[str]:
    """Reinstall the version triggers SQLite lost (run after every ``migrate``). SQLite rebuilds a table to add
    or alter a column and drops its triggers with it, so a later migration of a cached table (a new column on
    the SMS templates, say) would silently stop telling running processes that the table changed. PostgreSQL
    keeps triggers through ``ALTER TABLE``. Returns the tables whose triggers were put back."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {(kind, name) for kind, name in cursor.fetchall()}
    if ("table", "kefu_config_version") not in present:
        return []
    missing = [
        table
        for table in TABLE_GROUP
        if ("table", table) in present
        and any(("trigger", f"kefu_cv_{table}_{op}") not in present for op in ("insert", "update", "delete"))
    ]
    if missing:
        with connection.schema_editor() as editor:
            drop_triggers(editor, tuple(missing))
            install_triggers(editor, tuple(missing))
    return missing

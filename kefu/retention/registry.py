"""Retention handlers: each app registers the function that deletes or anonymises its kind of data.

An app puts its handlers in its ``retention.py`` (imported by ``load_handlers``, as ``jobs.py`` is by the
job runner)::

    from kefu.retention.registry import Outcome, pick, register

    @register("notifications")
    def prune_notifications(before: dt.datetime, limit: int) -> Outcome:
        ids = pick(Notification.objects.filter(updated_at__lt=before), limit)
        return Outcome(deleted=Notification.objects.filter(pk__in=ids).delete()[1].get(...))

The contract of a handler ``(before, limit) -> Outcome``:

- it runs inside the transaction the retention job opens for one batch (the run log's counts are written in
  the same transaction, so a crash loses or repeats nothing);
- it handles at most ``limit`` rows whose period ended before ``before`` and returns how many it deleted and
  anonymised, and the stored file names to remove from disk once the batch committed; a batch of zero ends
  the kind's run;
- it takes its rows with ``pick`` (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two workers running
  at once share the rows instead of doing them twice, and it only picks rows not done yet (an anonymised
  row is marked), so a second run finds nothing.

"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from kefu.retention.kinds import KINDS

log = logging.getLogger("kefu.retention")


@dataclass
class Outcome:
    deleted: int = 0
    anonymised: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.deleted or self.anonymised or self.files)


Handler = Callable[[dt.datetime, int], Outcome]
HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler | None = None) -> Any:
    """Register ``handler`` for ``kind`` (a code of ``kinds.KINDS``); usable as a decorator."""
    if kind not in KINDS:
        raise ValueError(f"unknown retention kind {kind!r}; add it to kefu.retention.kinds.KINDS")

    def wrap(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return wrap(handler) if handler is not None else wrap


def pick(qs: QuerySet[Any], limit: int) -> list[Any]:
    """The primary keys of at most ``limit`` rows of ``qs``, locked for this transaction; rows another
    worker holds are skipped (PostgreSQL; SQLite serialises writing transactions instead)."""
    return list(
        qs.order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)[:limit]
    )


def load_handlers() -> dict[str, Handler]:
    """Import every Kefu app's ``retention`` module (and this app's own handlers)."""
    importlib.import_module("kefu.retention.handlers")
    for config in apps.get_app_configs():
        if config.name.startswith("kefu.") and config.name != "kefu.retention":
            try:
                importlib.import_module(f"{config.name}.retention")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.retention":
                    raise
    return HANDLERS

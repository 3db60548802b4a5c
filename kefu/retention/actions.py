"""Retention use cases: the period of each kind, changing it (administrators, audited), and the run that
deletes or anonymises what is past its period (docs/privacy.md, "Retention")."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.retention import registry
from kefu.retention.kinds import KINDS, Kind
from kefu.retention.models import PendingFile, RetentionPolicy, RetentionRun

log = logging.getLogger("kefu.retention")

MAX_DAYS = 36500  # a hundred years: anything longer is "for ever" (0)
BATCH = 500


def period(kind: str) -> int:
    """Days ``kind`` is kept (0: for ever): the administrator's setting, else the default."""
    row = RetentionPolicy.objects.filter(kind=kind).values_list("days", flat=True).first()
    return int(row) if row is not None else KINDS[kind].default_days


def cutoff(kind: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Data of ``kind`` older than this is past its period; None when it is kept for ever."""
    days = period(kind)
    return None if days <= 0 else (now or clock.now()) - dt.timedelta(days=days)


@dataclass(frozen=True)
class PeriodRow:
    kind: Kind
    days: int
    is_default: bool
    handled: bool
    last_run: RetentionRun | None

    @property
    def below_minimum(self) -> bool:
        return 0 < self.days < self.kind.legal_minimum_days


def periods() -> list[PeriodRow]:
    """Every kind of the table with its period, for the admin page and ``kefu check``."""
    handlers = registry.load_handlers()
    set_days = dict(RetentionPolicy.objects.values_list("kind", "days"))
    last = {  # one indexed look-up per kind (the log grows by a few rows a day)
        code: RetentionRun.objects.filter(kind=code).order_by("-started_at", "-id").first() for code in KINDS
    }
    return [
        PeriodRow(
            kind=k,
            days=int(set_days.get(code, k.default_days)),
            is_default=code not in set_days,
            handled=code in handlers,
            last_run=last.get(code),
        )
        for code, k in KINDS.items()
    ]


def do_set_period(actor: Actor, kind: str, days: int | str) -> RetentionPolicy:
    """Set how long ``kind`` is kept (0: for ever). Administrators only; refused below a legal minimum;
    audited with the old and the new period."""
    require_staff(actor, "admin")
    if kind not in KINDS:
        raise ValidationFailed("invalid_choice", _("Unknown kind of data."), "kind")
    try:
        value = int(str(days).strip())
    except ValueError:
        raise ValidationFailed("invalid", _("Enter a whole number of days."), "days") from None
    if not 0 <= value <= MAX_DAYS:
        raise ValidationFailed(
            "out_of_range",
            _("Enter a number of days from 0 (for ever) to %(max)d.") % {"max": MAX_DAYS},
            "days",
        )
    k = KINDS[kind]
    if 0 < value < k.legal_minimum_days:
        raise ValidationFailed(
            "below_legal_minimum",
            _("%(kind)s must be kept at least %(days)d days (%(basis)s).")
            % {"kind": k.label, "days": k.legal_minimum_days, "basis": k.legal_basis},
            "days",
        )
    with transaction.atomic():
        row = RetentionPolicy.objects.select_for_update().filter(kind=kind).first()
        old = row.days if row is not None else k.default_days
        now = clock.now()
        if row is None:
            row = RetentionPolicy.objects.create(
                kind=kind, days=value, updated_at=now, updated_by=actor_user(actor)
            )
        else:
            row.days, row.updated_at, row.updated_by = value, now, actor_user(actor)
            row.save(update_fields=["days", "updated_at", "updated_by"])
        audit.record(
            actor,
            "retention.period_changed",
            row,
            before={"kind": kind, "days": old},
            after={"kind": kind, "days": value},
            summary=f"{kind}: {old} → {value} days",
        )
    return row


def actor_user(actor: Actor) -> Any:
    user = getattr(actor, "user", actor)
    return user if getattr(user, "pk", None) else None


def remove_pending_files(run: RetentionRun | None = None) -> int:
    """Remove from disk the files whose rows were deleted (those of ``run``, else every one left over by
    a run that stopped before it got to them). Each file once: its row is deleted with it."""
    removed = 0
    qs = PendingFile.objects.all() if run is None else PendingFile.objects.filter(run=run)
    for pending in list(qs.order_by("pk")[:10000]):
        with transaction.atomic():
            if not PendingFile.objects.filter(pk=pending.pk).delete()[0]:
                continue  # another worker took it
            default_storage.delete(pending.name)
        removed += 1
    return removed


def _batch(kind: str, before: dt.datetime, days: int, run: RetentionRun | None, me: str, limit: int):  # type: ignore[no-untyped-def]
    handler = registry.HANDLERS[kind]
    with transaction.atomic():
        outcome = handler(before, limit)
        if outcome.empty:
            return run, outcome
        if run is None:
            run = RetentionRun.objects.create(
                kind=kind, days=days, cutoff=before, started_at=clock.now(), worker=me
            )
        PendingFile.objects.bulk_create(
            [PendingFile(name=name, run=run, queued_at=clock.now()) for name in outcome.files]
        )
        RetentionRun.objects.filter(pk=run.pk).update(
            deleted=F("deleted") + outcome.deleted, anonymised=F("anonymised") + outcome.anonymised
        )
    return run, outcome


def run_kind(
    kind: str, *, now: dt.datetime | None = None, batch: int = BATCH, me: str = ""
) -> RetentionRun | None:
    """Delete or anonymise what of ``kind`` is past its period, batch by batch, each batch one
    transaction together with its counts in the run log. Returns the run (None: nothing to do)."""
    registry.load_handlers()
    if kind not in registry.HANDLERS:
        return None
    days = period(kind)
    if days <= 0:
        return None
    before = (now or clock.now()) - dt.timedelta(days=days)
    run: RetentionRun | None = None
    error = ""
    try:
        while True:
            run, outcome = _batch(kind, before, days, run, me, batch)
            if run is not None and outcome.files:
                files = remove_pending_files(run)
                RetentionRun.objects.filter(pk=run.pk).update(files=F("files") + files)
            if outcome.empty:
                break
    except Exception:
        log.exception("retention of %s failed", kind)
        error = traceback.format_exc()[-4000:]
        if run is None:
            run = RetentionRun.objects.create(
                kind=kind, days=days, cutoff=before, started_at=clock.now(), worker=me
            )
    if run is None:
        return None
    with transaction.atomic():
        RetentionRun.objects.filter(pk=run.pk).update(finished_at=clock.now(), error=error)
        run.refresh_from_db()
        audit.record(
            None,
            "retention.run",
            run,
            after={"kind": kind, "deleted": run.deleted, "anonymised": run.anonymised, "files": run.files},
            summary=f"{kind}: {run.deleted} deleted, {run.anonymised} anonymised, {run.files} files"
            + (" (failed)" if error else ""),
        )
    return run


def run(
    *, now: dt.datetime | None = None, kinds: list[str] | None = None, batch: int = BATCH, me: str = ""
) -> list[RetentionRun]:
    """One pass of the retention job over every kind (or ``kinds``); files a crashed run left behind are
    removed first. Returns the runs that did something."""
    registry.load_handlers()
    remove_pending_files()
    runs = []
    for kind in kinds or list(KINDS):
        r = run_kind(kind, now=now, batch=batch, me=me)
        if r is not None:
            runs.append(r)
    return runs

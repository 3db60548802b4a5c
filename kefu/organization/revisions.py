"""Versioning of the configuration objects: changes from a date, conflicts, stale edits (R-30, R-13, R-24, R-33).

One mechanism for service areas, outlets, business calendars and the standard and forbidden phrases. The
owning app describes each kind of object once (:class:`Kind`, registered from its ``AppConfig.ready``):
which rows a staff member may change, the current values of the fields a change can touch (JSON-ready, the
same shape the patch holds) and how a patch is applied (the same validation and audit record as a save
made now).

- A save is "now" or "from a date/time" (the object's time zone, stored UTC). A later one is a
  :class:`~kefu.organization.models.ConfigRevision`: the changed fields with their values before and after.
- The job ``organization.config_revisions`` (:func:`apply_due`) applies due revisions in order of their
  date, as a patch on the current values. When a field it changes was changed since it was saved (current
  ≠ before), nothing is overwritten: the revision becomes ``conflict`` and the object's page shows it.
- A pending revision can be cancelled (audited) by whoever may change the object.
- Stale edits: a form carries the object's *version* (the id of the latest audit record that changed it,
  :func:`version_of`); a save against a newer version is refused with who changed what and when
  (:func:`check_version`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.lib import clock
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import ConfigRevision, RevisionState, Staff

AUDIT_PREFIX = "config_revision."  # scheduling and cancelling do not change the object: no new version


@dataclass(frozen=True)
class Kind:
    """How one kind of configuration object is versioned (see the module doc)."""

    name: str  # the model label, e.g. ``organization.servicearea`` (= the audit records' object type)
    model: type[Model]
    capability: str  # the capability needed to change such objects
    editable: Callable[[Staff], QuerySet[Any]]  # the rows this staff member may change
    current: Callable[[Any, Iterable[str]], dict[str, Any]]  # the current values of these fields
    apply: Callable[[Any, Any, dict[str, Any], ConfigRevision], None]  # (actor, locked object, values, rev)
    time_zone: Callable[[Any], str]  # where "from 2027-01-01 00:00" is read
    field_label: Callable[[str], str] = str
    record_fields: Callable[[AuditRecord], list[str]] | None = None  # the fields an audit record changed
    show_value: Callable[[str, Any], str] | None = None  # a patch value as people read it


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


def labels(names: Callable[[], dict[str, Any]]) -> Callable[[str], str]:
    """A ``Kind.field_label`` from a function giving each field's (translated) label; an audit record's
    ``<field>_id`` reads as the field, an unknown key as itself."""
    return lambda key: str(names().get(key.removesuffix("_id"), key))


def kind_of(obj: Model | type[Model]) -> Kind:
    return KINDS[obj._meta.label_lower]


# --- versions and stale edits ---------------------------------------------------------------------------------


def _changes(obj: Model) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).exclude(
        action__startswith=AUDIT_PREFIX
    )


def version_of(obj: Model | None) -> int:
    """The id of the latest audit record that changed ``obj`` (0 for a new or never-changed one)."""
    if obj is None or obj.pk is None:
        return 0
    return _changes(obj).order_by("-id").values_list("id", flat=True).first() or 0


def changed_fields(record: AuditRecord) -> list[str]:
    keys = list((record.after or {}).keys()) or list((record.before or {}).keys())
    return [k for k in keys if k not in {"reason", "updated_at", "id"}]


def check_version(obj: Model, expected: Any) -> None:
    """Refuse (409 ``stale``) when ``obj`` was changed after the version ``expected`` the form was opened on.

    ``expected`` empty or missing: no check (callers that do not carry a version). The message names who
    changed it, when (in the object's time zone) and which fields; ``changes`` lists them for the API."""
    text = str(expected if expected is not None else "").strip()
    if not text:
        return
    if not text.isdecimal():
        raise ValidationFailed("invalid", _("The form's version is not valid; reload the page."), "version")
    newer = list(_changes(obj).filter(id__gt=int(text)).order_by("id")[:20])
    if not newer:
        return
    kind = KINDS.get(obj._meta.label_lower)
    zone = ZoneInfo(kind.time_zone(obj)) if kind else dt.UTC
    label = kind.field_label if kind else str
    parts = []
    changes = []
    fields_of = (kind.record_fields if kind else None) or changed_fields
    for r in newer:
        fields = [str(label(f)) for f in fields_of(r)]
        parts.append(
            _("%(who)s at %(when)s (%(fields)s)")
            % {
                "who": r.actor_label,
                "when": r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "fields": ", ".join(fields) or r.summary,
            }
        )
        changes.append({"by": r.actor_label, "at": r.at.isoformat(), "fields": fields_of(r)})
    raise Conflict(
        "stale",
        _(
            "Someone changed this after you opened it: %(changes)s. Nothing was saved; your input is kept below. "
            "Check it against the current values and save again to overwrite."
        )
        % {"changes": "; ".join(parts)},
        "version",
        current_version=version_of(obj),
        changes=changes,
    )


# --- scheduling -----------------------------------------------------------------------------------------------


def parse_effective_from(text: Any, time_zone: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """``2027-01-01T00:00`` (a form's local date and time in ``time_zone``) → an aware datetime; empty → None
    ("now"). A time that is not in the future is refused: save without a date to change it now."""
    raw = str(text or "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        raise ValidationFailed(
            "invalid", _("Give the date and time as YYYY-MM-DD HH:MM."), "effective_from"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(time_zone))
    if value <= (now or clock.now()):
        raise ValidationFailed(
            "invalid",
            _("“Effective from” must be in the future; leave it empty to change it now."),
            "effective_from",
        )
    return value


def make_patch(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, each with ``before`` and ``after``."""
    return {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}


def schedule(
    user: Actor,
    obj: Model,
    before: dict[str, Any],
    after: dict[str, Any],
    effective_from: dt.datetime,
    *,
    note: str = "",
) -> ConfigRevision:
    """Save the change ``before`` → ``after`` of ``obj`` (already checked by the owning use case, inside its
    transaction) to take effect at ``effective_from``. Refused when it changes nothing."""
    kind = kind_of(obj)
    patch = make_patch(before, after)
    if not patch:
        raise ValidationFailed(
            "invalid", _("Nothing to change: the values are the current ones."), "effective_from"
        )
    rev = ConfigRevision.objects.create(
        kind=kind.name,
        object_id=obj.pk,
        object_label=str(obj)[:200],
        patch=patch,
        note=note[:500],
        effective_from=effective_from,
        created_by=getattr(user, "user", user) if getattr(user, "pk", None) else None,
        created_at=clock.now(),
    )
    audit.record(
        user,
        AUDIT_PREFIX + "scheduled",
        obj,
        after={"revision": rev.pk, "effective_from": effective_from, "fields": sorted(patch)},
        summary=_("Change of %(fields)s scheduled from %(when)s")
        % {
            "fields": ", ".join(str(kind.field_label(f)) for f in sorted(patch)),
            "when": effective_from.astimezone(ZoneInfo(kind.time_zone(obj))).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return rev


def revisions_of(obj: Model) -> QuerySet[ConfigRevision]:
    """The object's revisions waiting for their date or refused by a conflict, soonest first."""
    return (
        ConfigRevision.objects.filter(
            kind=obj._meta.label_lower,
            object_id=obj.pk,
            status__in=[RevisionState.PENDING, RevisionState.CONFLICT],
        )
        .select_related("created_by__staff")
        .order_by("effective_from", "id")
    )


def history_of(obj: Model) -> QuerySet[AuditRecord]:
    """The object's audit records (changes, scheduled and cancelled changes), newest first."""
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
        "-at", "-id"
    )


def do_cancel(user: Actor, revision_id: int) -> ConfigRevision:
    """Cancel a pending (or conflicting) revision; whoever may change its object may cancel it."""
    with transaction.atomic():
        rev = ConfigRevision.objects.select_for_update().filter(pk=revision_id).first()
        if rev is None or rev.kind not in KINDS:
            raise NotFound("not_found", _("No such scheduled change."))
        kind = KINDS[rev.kind]
        staff = require_staff(user, kind.capability)
        obj = kind.editable(staff).filter(pk=rev.object_id).first()
        if obj is None:
            raise NotFound("not_found", _("No such scheduled change."))
        if rev.status not in (RevisionState.PENDING, RevisionState.CONFLICT):
            raise Conflict(
                "not_pending",
                _("This change is %(status)s already.") % {"status": rev.get_status_display()},
                "revision",
            )
        before_status = rev.status
        rev.status, rev.done_by, rev.done_at = RevisionState.CANCELLED, staff.user, clock.now()
        rev.save(update_fields=["status", "done_by", "done_at"])
        audit.record(
            user,
            AUDIT_PREFIX + "cancelled",
            obj,
            before={"revision": rev.pk, "status": before_status},
            after={"revision": rev.pk, "status": rev.status, "fields": sorted(rev.patch)},
            summary=_("Change scheduled from %(when)s cancelled")
            % {
                "when": rev.effective_from.astimezone(ZoneInfo(kind.time_zone(obj))).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
        )
    return rev


# --- applying due revisions ----------------------------------------------------------------------------------


def _conflict(rev: ConfigRevision, obj: Model | None, problem: str) -> None:
    rev.status, rev.problem, rev.done_at = RevisionState.CONFLICT, problem[:500], clock.now()
    rev.save(update_fields=["status", "problem", "done_at"])
    audit.record(
        None,
        AUDIT_PREFIX + "conflict",
        obj,
        object_type=rev.kind,
        object_id=rev.object_id,
        after={"revision": rev.pk, "fields": sorted(rev.patch)},
        summary=problem,
    )


def apply_one(rev: ConfigRevision) -> str:
    """Apply ``rev`` (locked, pending) in the caller's transaction; its new status."""
    kind = KINDS.get(rev.kind)
    if kind is None:
        return rev.status  # the owning app is not loaded in this process: leave it for a worker that has it
    obj = kind.model._default_manager.select_for_update().filter(pk=rev.object_id).first()
    if obj is None:
        _conflict(rev, None, _("The object no longer exists."))
        return rev.status
    current = kind.current(obj, rev.patch.keys())
    changed = [k for k, v in rev.patch.items() if current.get(k) != v.get("before")]
    if changed:
        _conflict(
            rev,
            obj,
            _("Changed since this was saved: %(fields)s. Nothing was overwritten.")
            % {"fields": ", ".join(str(kind.field_label(k)) for k in changed)},
        )
        return rev.status
    try:
        with transaction.atomic():
            kind.apply(rev.created_by, obj, {k: v.get("after") for k, v in rev.patch.items()}, rev)
    except KefuError as exc:
        _conflict(rev, obj, str(exc.message))
        return rev.status
    rev.status, rev.done_at = RevisionState.APPLIED, clock.now()
    rev.save(update_fields=["status", "done_at"])
    return rev.status


def apply_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Apply every pending revision whose date has come, oldest date first, each in its own transaction;
    the number handled (applied or marked conflict)."""
    now = now or clock.now()
    ids = list(
        ConfigRevision.objects.filter(
            status=RevisionState.PENDING, effective_from__lte=now, kind__in=list(KINDS)
        )
        .order_by("effective_from", "id")
        .values_list("id", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            rev = (
                ConfigRevision.objects.select_for_update().filter(pk=pk, status=RevisionState.PENDING).first()
            )
            if rev is None:
                continue  # cancelled meanwhile, or another worker took it
            apply_one(rev)
            done += 1
    return done

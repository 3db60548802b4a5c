"""The service catalogue editor's use cases (R-17): one entry per service — the service's fields, its own time
limits, materials, process steps and fee items, each with its translations — validated as a whole, saved as
a revision that takes effect now or from a later date (``models.revisions``), with a service-log record.

``entry_of`` reads the live entry; ``check_entry`` finds contradictions between its parts (each problem names
the part, row and field); ``do_save_entry`` stores a revision and applies it when it is due;
``apply_due_revisions`` is the periodic job for revisions whose date has come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments.catalogue_checks import fee_contradictions
from kefu.commitments.models import Service, TimeLimit
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.revisions import RevisionStatus, ServiceRevision
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import Actor, login_of, require_staff

SERVICE_FIELDS = (
    "code",
    "name",
    "order_type",
    "sale_phase",
    "technical",
    "place",
    "paid",
    "fee",
    "recurring",
    "public",
    "description",
    "commitment",
    "is_active",
    "is_emergency",
    "translations",
)
LIMIT_FIELDS = (
    "kind",
    "channel",
    "emergency",
    "area_kind",
    "tier",
    "priority",
    "unit",
    "amount",
    "around_the_clock",
    "is_active",
)
MATERIAL_FIELDS = ("name", "description", "required", "order", "translations")
STEP_FIELDS = ("title", "description", "order", "translations")
FEE_FIELDS = ("name", "amount", "unit", "note", "order", "translations")
SECTIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "limits": (TimeLimit, LIMIT_FIELDS),
    "materials": (ServiceMaterial, MATERIAL_FIELDS),
    "steps": (ServiceStep, STEP_FIELDS),
    "fees": (ServiceFee, FEE_FIELDS),
}
EDIT_CAPABILITY = "catalogue.edit"
VIEW_CAPABILITY = "catalogue.view"


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _row(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {"id": obj.pk, **{f: _json(getattr(obj, f)) for f in fields}}


def entry_of(service: Service) -> dict[str, Any]:
    """The live catalogue entry of ``service`` as plain JSON (what a revision stores)."""
    return {
        "service": {f: _json(getattr(service, f)) for f in SERVICE_FIELDS},
        "limits": [_row(x, LIMIT_FIELDS) for x in service.time_limits.order_by("kind", "id")],
        "materials": [_row(x, MATERIAL_FIELDS) for x in service.materials.order_by("order", "id")],
        "steps": [_row(x, STEP_FIELDS) for x in service.steps.order_by("order", "id")],
        "fees": [_row(x, FEE_FIELDS) for x in service.fees.order_by("order", "id")],
    }


@dataclass(frozen=True)
class Problem:
    """A contradiction in an entry: ``section`` is "service" or a row list, ``index`` the row (or None)."""

    section: str
    index: int | None
    field: str
    message: str


def check_entry(entry: dict[str, Any]) -> list[Problem]:
    """Contradictions between the parts of an entry (each row's own fields are checked by its form/model):
    the fee in the table against the fee items (the first item is the base fee), a paid service without a
    fee, a free one with fee items, and materials a customer could never be asked for."""
    s = entry["service"]
    problems: list[Problem] = []
    fees = sorted(entry["fees"], key=lambda f: int(f.get("order") or 0))
    fee = Decimal(str(s.get("fee") or "0"))
    found = fee_contradictions(
        bool(s.get("paid")), fee, [(f["name"], Decimal(str(f["amount"]))) for f in fees]
    )
    if "base_fee" in found:
        problems.append(
            Problem(
                "service",
                None,
                "fee",
                _(
                    "The fee in the table (¥%(fee)s) differs from the base fee item “%(item)s” "
                    "(¥%(amount)s); the disclosure page would publish both. Make them equal."
                )
                % {"fee": fee, "item": fees[0]["name"], "amount": fees[0]["amount"]},
            )
        )
    if "paid_without_fee" in found:
        problems.append(Problem("service", None, "fee", _("A paid service needs a fee greater than zero.")))
    if "free_with_fee" in found:
        problems.append(Problem("service", None, "paid", _("Tick “paid” or set the fee to zero.")))
    if "free_with_items" in found:
        problems.append(
            Problem(
                "service",
                None,
                "paid",
                _("The service is free of charge but lists fee items: tick “paid” or remove them."),
            )
        )
    if entry["materials"] and not (s.get("public") and s.get("is_active")):
        problems.append(
            Problem(
                "service",
                None,
                "public",
                _(
                    "Customers read the materials list on the portal and the disclosure page only for an "
                    "active, published service: publish it or remove its materials."
                ),
            )
        )
    seen: dict[str, int] = {}
    for i, m in enumerate(entry["materials"]):
        key = (m.get("name") or "").strip()
        if key in seen:
            problems.append(Problem("materials", i, "name", _("This material is listed twice in the list.")))
        seen[key] = i
    return problems


def _changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """What a revision changes: service fields with old and new value, and per row list the rows added,
    removed and changed."""
    if before is None:
        return [{"field": "created"}]
    out: list[dict[str, Any]] = []
    for f in SERVICE_FIELDS:
        if before["service"].get(f) != after["service"].get(f):
            if f == "translations":
                out.append({"field": f})
            else:
                out.append({"field": f, "before": before["service"].get(f), "after": after["service"].get(f)})
    for section in SECTIONS:
        old = {r["id"]: r for r in before[section] if r.get("id")}
        new_ids = {r.get("id") for r in after[section] if r.get("id")}
        added = sum(1 for r in after[section] if not r.get("id") or r["id"] not in old)
        removed = sum(1 for rid in old if rid not in new_ids)
        changed = sum(1 for r in after[section] if r.get("id") in old and old[r["id"]] != r)
        if added or removed or changed:
            out.append({"field": section, "added": added, "removed": removed, "changed": changed})
    return out


def _apply(service: Service, entry: dict[str, Any]) -> None:
    """Make the live tables say what ``entry`` says (rows matched by id; rows not in it are deleted)."""
    for f in SERVICE_FIELDS:
        if f == "code" and service.pk:
            continue  # the code is the service's key in links and imports; never changed by a revision
        value = entry["service"].get(f)
        if f == "fee":
            value = Decimal(str(value or "0"))
        setattr(service, f, value)
    if not service.pk:
        service.code = entry["service"]["code"]
    english = ((service.translations or {}).get("en") or {}).get("name") or ""
    service.name_en = english  # kept equal to the English name (older API clients read it)
    service.full_clean()
    service.save()
    for section, (model, fields) in SECTIONS.items():
        existing = {o.pk: o for o in model.objects.filter(service=service)}
        keep: set[int] = set()
        for row in entry[section]:
            obj = existing.get(row.get("id")) or model(service=service)
            for f in fields:
                value = row.get(f)
                if f == "amount":
                    value = Decimal(str(value))
                elif f == "translations":
                    value = value or {}
                setattr(obj, f, value)
            if model is TimeLimit:
                obj.order_type = ""  # a service's own limit: the service decides the type
            obj.full_clean(exclude=["service"])
            obj.save()
            keep.add(obj.pk)
        model.objects.filter(service=service).exclude(pk__in=keep).delete()


def may_edit(actor: Actor) -> bool:
    try:
        require_staff(actor, EDIT_CAPABILITY)
    except Exception:
        return False
    return True


def do_save_entry(
    actor: Actor,
    service: Service | None,
    entry: dict[str, Any],
    effective_from: dt.datetime | None = None,
) -> ServiceRevision:
    """Save ``entry`` as a revision of ``service`` (None: a new service, always effective now), applied now
    when ``effective_from`` is empty or past, else by the job on that date. All or nothing."""
    require_staff(actor, EDIT_CAPABILITY)
    problems = check_entry(entry)
    if problems:
        p = problems[0]
        raise ValidationFailed("catalogue_invalid", p.message, field=p.field)
    now = clock.now()
    when = effective_from if effective_from is not None and effective_from > now else now
    if service is None and when > now:
        raise ValidationFailed(
            "catalogue_new_future", _("A new service takes effect when it is saved."), field="effective_from"
        )
    with transaction.atomic():
        before = entry_of(service) if service is not None else None
        if service is None:
            service = Service(code=entry["service"]["code"])
        if when <= now:
            _apply(service, entry)
        saved = entry_of(service) if when <= now else entry
        revision = ServiceRevision.objects.create(
            service=service,
            effective_from=when,
            status=RevisionStatus.APPLIED if when <= now else RevisionStatus.PENDING,
            data=saved,
            changes=_changes(before, saved),
            created_by=login_of(actor),
            created_at=now,
            applied_at=now if when <= now else None,
        )
        if when > now:  # a later revision for the same date replaces the earlier one
            ServiceRevision.objects.filter(
                service=service, status=RevisionStatus.PENDING, effective_from=when
            ).exclude(pk=revision.pk).update(status=RevisionStatus.SUPERSEDED)
        audit.record(
            actor,
            "catalogue.revision",
            service,
            before=before["service"] if before else None,
            after=saved["service"],
            summary=_("catalogue entry saved, effective from %(date)s")
            % {"date": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
        )
    return revision


def apply_due_revisions(now: dt.datetime | None = None) -> int:
    """Apply the waiting revisions whose date has come, oldest first (the periodic job); returns how many."""
    now = now or clock.now()
    done = 0
    due = ServiceRevision.objects.filter(status=RevisionStatus.PENDING, effective_from__lte=now).order_by(
        "effective_from", "id"
    )
    for rid in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            rev = (
                ServiceRevision.objects.select_for_update()
                .select_related("service")
                .filter(pk=rid, status=RevisionStatus.PENDING)
                .first()
            )
            if rev is None:
                continue
            before = entry_of(rev.service)
            _apply(rev.service, rev.data)
            after = entry_of(rev.service)
            rev.status = RevisionStatus.APPLIED
            rev.applied_at = now
            rev.changes = _changes(before, after)
            rev.data = after
            rev.save(update_fields=["status", "applied_at", "changes", "data"])
            audit.record(
                None,
                "catalogue.revision_applied",
                rev.service,
                before=before["service"],
                after=after["service"],
                summary=_("catalogue revision of %(date)s applied")
                % {"date": timezone.localtime(rev.effective_from).strftime("%Y-%m-%d %H:%M")},
            )
            done += 1
    return done

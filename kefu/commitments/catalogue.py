"""The service catalogue editor's use cases (R-17): one entry per service — the service's fields, its own time
limits, materials, process steps and fee items, each with its translations — validated as a whole, saved as
a revision that takes effect now or from a later date (``models.revisions``), with a service-log record.

``entry_of`` reads the live entry; ``check_entry`` finds contradictions between its parts (each problem names
the part, row and field); ``do_save_entry`` stores what changed as a revision (a patch,
``catalogue_patch``) and applies it when it is due, refusing a save against a service changed since the
editor was opened; ``apply_due_revisions`` is the periodic job for revisions whose date has come (a change
whose fields were changed since is marked *conflict*, not applied); ``do_cancel_revision`` and
``do_apply_anyway`` end a pending or conflicting change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments import catalogue_patch as patches
from kefu.commitments.catalogue_checks import fee_contradictions
from kefu.commitments.catalogue_patch import (
    FEE_FIELDS,
    LIMIT_FIELDS,
    MATERIAL_FIELDS,
    SERVICE_FIELDS,
    STEP_FIELDS,
)
from kefu.commitments.models import Service, TimeLimit
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.revisions import RevisionStatus, ServiceRevision
from kefu.lib import clock
from kefu.lib.errors import Conflict, NotFound, ValidationFailed
from kefu.organization.access import Actor, login_of, require_staff

SECTIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "limits": (TimeLimit, LIMIT_FIELDS),
    "materials": (ServiceMaterial, MATERIAL_FIELDS),
    "steps": (ServiceStep, STEP_FIELDS),
    "fees": (ServiceFee, FEE_FIELDS),
}
EDIT_CAPABILITY = "catalogue.edit"
VIEW_CAPABILITY = "catalogue.view"


def _json(value: Any) -> Any:
    """A field's value as JSON; amounts with their two decimal places (a form's 2800 is the stored 2800.00)."""
    return str(value.quantize(Decimal("0.01"))) if isinstance(value, Decimal) else value


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


class StaleEntry(Conflict):
    """The service changed since the editor was opened (``base``): nothing saved. ``live`` is the entry now,
    ``fields`` what changed since (keys as in a patch), ``since`` the revisions applied since ``opened_at``."""

    def __init__(
        self, message: str, live: dict[str, Any], fields: list[str], since: list[ServiceRevision]
    ) -> None:
        super().__init__("stale", message, None)
        self.live = live
        self.fields = fields
        self.since = since


def field_label(key: str, section: str = "service") -> str:
    """A patch key for people: ``fee`` → 收费, ``tr.en.name`` → 名称 (English), ``limits`` → 时限; a row's field
    with the row list's ``section``."""
    section_labels = {
        "limits": _("Time limits"),
        "materials": _("Required materials"),
        "steps": _("Process steps"),
        "fees": _("Fee items"),
    }
    if key in section_labels:
        return str(section_labels[key])
    language = ""
    if key.startswith(patches.TR):
        language, _dot, key = key[len(patches.TR) :].partition(".")
    model = {"limits": TimeLimit, "materials": ServiceMaterial, "steps": ServiceStep, "fees": ServiceFee}.get(
        section, Service
    )
    try:
        label = str(getattr(model._meta.get_field(key), "verbose_name", key))
    except FieldDoesNotExist:
        label = key
    if language:
        return f"{label} ({dict(settings.LANGUAGES).get(language, language)})"
    return label


def shown(value: Any) -> str:
    """A value before or after a change, for people: yes/no, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def changed_keys(patch: dict[str, Any]) -> list[str]:
    """The service fields and row lists a patch changes (for a message)."""
    return [*patch.get("service", {}), *patch.get("rows", {})]


def _audit_values(patch: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The service log's before and after of a patch: service fields by name, rows as ``<list>#<id>.<field>``
    (changed), ``<list>#<id>`` (removed) and ``<list>+<n>`` (added)."""
    before: dict[str, Any] = {k: v["before"] for k, v in patch.get("service", {}).items()}
    after: dict[str, Any] = {k: v["after"] for k, v in patch.get("service", {}).items()}
    for section, ops in patch.get("rows", {}).items():
        for n, op in enumerate(ops):
            if op["op"] == "add":
                before[f"{section}+{n}"], after[f"{section}+{n}"] = None, op["row"]
            elif op["op"] == "remove":
                before[f"{section}#{op['id']}"], after[f"{section}#{op['id']}"] = op["row"], None
            else:
                for field, v in op["fields"].items():
                    before[f"{section}#{op['id']}.{field}"] = v["before"]
                    after[f"{section}#{op['id']}.{field}"] = v["after"]
    return before, after


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _who(revision: ServiceRevision) -> str:
    user = revision.created_by
    if user is None:
        return str(_("the system"))
    staff = getattr(user, "staff", None)
    return str(staff) if staff is not None else user.get_username()


def _stale(
    service: Service, base: dict[str, Any], live: dict[str, Any], opened_at: dt.datetime | None
) -> StaleEntry:
    fields = changed_keys(patches.diff(base, live))
    applied = ServiceRevision.objects.filter(service=service, status=RevisionStatus.APPLIED).select_related(
        "created_by__staff"
    )
    if opened_at is not None:
        since = list(applied.filter(applied_at__gt=opened_at).order_by("applied_at", "id")[:10])
    else:  # the form did not say when it was opened: the latest change
        since = list(applied.order_by("-applied_at", "-id")[:1])
    who = "; ".join(
        _("%(who)s at %(when)s") % {"who": _who(r), "when": _local(r.applied_at or r.created_at)}
        for r in since
    ) or str(_("someone (not in the editor)"))
    message = _(
        "This service was changed while you were editing it — by %(who)s: %(fields)s. Nothing was saved. "
        "Your input is kept below, on top of that change; check it and save again."
    ) % {"who": who, "fields": ", ".join(field_label(k) for k in fields) or "—"}
    return StaleEntry(message, live, fields, since)


def do_save_entry(
    actor: Actor,
    service: Service | None,
    entry: dict[str, Any],
    effective_from: dt.datetime | None = None,
    *,
    base: dict[str, Any] | None = None,
    opened_at: dt.datetime | None = None,
) -> ServiceRevision:
    """Save what changed from ``base`` (the entry the editor was opened on; None: the entry now) to ``entry``
    as a revision of ``service`` (None: a new service, always effective now): applied now when
    ``effective_from`` is empty or past, else pending until the job applies it on that date. A service changed
    since ``base`` is refused (``StaleEntry``); a scheduled change touching what another pending change
    touches is refused. All or nothing."""
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
        live: dict[str, Any] | None = None
        if service is not None:
            service = Service.objects.select_for_update().get(pk=service.pk)
            live = entry_of(service)
            if base is not None and patches.canonical(base) != patches.canonical(live):
                raise _stale(service, base, live, opened_at)
        if when <= now:
            if service is None:
                service = Service(code=entry["service"]["code"])
            _apply(service, entry)
            patch = patches.diff(live, entry_of(service))
        else:
            assert service is not None and live is not None
            patch = patches.diff(live, entry)
            _refuse_overlap(service, patch)
        if patches.is_empty(patch):
            raise ValidationFailed("catalogue_unchanged", _("Nothing was changed, so nothing was saved."))
        revision = ServiceRevision.objects.create(
            service=service,
            effective_from=when,
            status=RevisionStatus.APPLIED if when <= now else RevisionStatus.PENDING,
            patch=patch,
            changes=patches.summary(patch),
            created_by=login_of(actor),
            created_at=now,
            applied_at=now if when <= now else None,
        )
        before, after = _audit_values(patch)
        audit.record(
            actor,
            "catalogue.revision",
            service,
            before=before,
            after=after,
            summary=_("catalogue change saved, effective from %(date)s") % {"date": _local(when)},
        )
    return revision


def _refuse_overlap(service: Service, patch: dict[str, Any]) -> None:
    """Two pending changes of the same field would conflict on the later date: refused when saving."""
    mine = patches.touched(patch)
    for other in ServiceRevision.objects.filter(service=service, status=RevisionStatus.PENDING).order_by(
        "effective_from", "id"
    ):
        both = mine & patches.touched(other.patch)
        if both:
            names = sorted({field_label(k.partition("#")[0]) for k in both})
            raise ValidationFailed(
                "catalogue_overlap",
                _(
                    "The change scheduled for %(date)s already changes %(fields)s. Cancel that change first, "
                    "or change these fields once it is in effect."
                )
                % {"date": _local(other.effective_from), "fields": ", ".join(names)},
                field="effective_from",
            )


def _problems_of(service: Service, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Why ``entry`` cannot be made live (the combinations, then each row's own validation)."""
    found = [
        {"kind": "invalid", "section": p.section, "field": p.field, "message": str(p.message)}
        for p in check_entry(entry)
    ]
    if found:
        return found
    try:
        with transaction.atomic():
            _apply(service, entry)
            transaction.set_rollback(True)
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            return [{"kind": "invalid", "section": "", "field": "", "message": " ".join(exc.messages)}]
        return [
            {"kind": "invalid", "section": "", "field": field, "message": " ".join(str(m) for m in messages)}
            for field, messages in exc.message_dict.items()
        ]
    return []


def _apply_revision(
    rev: ServiceRevision, now: dt.datetime, *, actor: Actor | None = None, force: bool = False
) -> bool:
    """Apply ``rev`` (locked) on top of the entry now; True if applied, else it is marked *conflict*."""
    service = Service.objects.select_for_update().get(pk=rev.service_id)
    before_entry = entry_of(service)
    result, conflicts = patches.apply_patch(before_entry, rev.patch, force=force)
    if force:
        conflicts = []
    if not conflicts:
        conflicts = _problems_of(service, result)
    if conflicts:
        rev.status = RevisionStatus.CONFLICT
        rev.conflicts = conflicts
        rev.save(update_fields=["status", "conflicts"])
        audit.record(
            actor,
            "catalogue.revision_conflict",
            service,
            before={"revision": rev.pk},
            after={"conflicts": conflicts},
            summary=_("catalogue change of %(date)s not applied: changed since it was saved")
            % {"date": _local(rev.effective_from)},
        )
        return False
    _apply(service, result)
    done = patches.diff(before_entry, entry_of(service))
    rev.status = RevisionStatus.APPLIED
    rev.applied_at = now
    rev.conflicts = []
    rev.changes = patches.summary(done) if not patches.is_empty(done) else []
    fields = ["status", "applied_at", "conflicts", "changes"]
    if actor is not None:
        rev.decided_by = login_of(actor)
        rev.decided_at = now
        fields += ["decided_by", "decided_at"]
    rev.save(update_fields=fields)
    before, after = _audit_values(done)
    audit.record(
        actor,
        "catalogue.revision_applied",
        service,
        before=before,
        after=after,
        summary=(
            _("catalogue change of %(date)s applied anyway")
            if force
            else _("catalogue change of %(date)s applied")
        )
        % {"date": _local(rev.effective_from)},
    )
    return True


def apply_due_revisions(now: dt.datetime | None = None) -> int:
    """Apply the pending revisions whose date has come, oldest first (the periodic job), each in its own
    transaction; returns how many were applied (conflicts are marked, not counted)."""
    now = now or clock.now()
    done = 0
    due = ServiceRevision.objects.filter(status=RevisionStatus.PENDING, effective_from__lte=now).order_by(
        "effective_from", "id"
    )
    for rid in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            rev = (
                ServiceRevision.objects.select_for_update()
                .filter(pk=rid, status=RevisionStatus.PENDING)
                .first()
            )
            if rev is not None and _apply_revision(rev, now):
                done += 1
    return done


def _open_revision(
    actor: Actor, service_id: int, revision_id: int, statuses: tuple[str, ...]
) -> ServiceRevision:
    rev = (
        ServiceRevision.objects.select_for_update()
        .select_related("service")
        .filter(pk=revision_id, service_id=service_id)
        .first()
    )
    if rev is None:
        raise NotFound("not_found", _("No such change of this service."), "revision")
    if rev.status not in statuses:
        raise Conflict(
            "invalid_state",
            _("This change is %(status)s; it cannot be changed any more.")
            % {"status": rev.get_status_display()},
            "revision",
        )
    return rev


def do_cancel_revision(actor: Actor, service_id: int, revision_id: int) -> ServiceRevision:
    """Cancel a pending change (or one in conflict): it will never be applied. Audited."""
    require_staff(actor, EDIT_CAPABILITY)
    now = clock.now()
    with transaction.atomic():
        rev = _open_revision(
            actor, service_id, revision_id, (RevisionStatus.PENDING, RevisionStatus.CONFLICT)
        )
        was = rev.status
        rev.status = RevisionStatus.CANCELLED
        rev.decided_by = login_of(actor)
        rev.decided_at = now
        rev.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            actor,
            "catalogue.revision_cancelled",
            rev.service,
            before={"revision": rev.pk, "status": was},
            after={"revision": rev.pk, "status": rev.status},
            summary=_("catalogue change of %(date)s cancelled") % {"date": _local(rev.effective_from)},
        )
    return rev


def do_apply_anyway(actor: Actor, service_id: int, revision_id: int) -> ServiceRevision:
    """Resolve a conflict by applying the change's values over what changed since (now). Refused, with the
    reason, when the result would break the catalogue's rules. Audited."""
    require_staff(actor, EDIT_CAPABILITY)
    now = clock.now()
    with transaction.atomic():
        rev = _open_revision(actor, service_id, revision_id, (RevisionStatus.CONFLICT,))
        service = Service.objects.select_for_update().get(pk=rev.service_id)
        result, _conflicts = patches.apply_patch(entry_of(service), rev.patch, force=True)
        problems = _problems_of(service, result)
        if problems:
            raise ValidationFailed("catalogue_invalid", problems[0]["message"], field=problems[0]["field"])
        _apply_revision(rev, now, actor=actor, force=True)
    return rev

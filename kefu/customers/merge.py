"""Customer merge (R-5: every channel feeds one archive): two or more records of one person become one.

- :func:`preview` — everything that would move (per table, from the registered references of
  ``kefu.customers.hooks``), the identities (contact points) that join the survivor, the fields whose values
  differ (the person chooses one value per field) and the portal logins;
- :func:`do_merge` — moves every row that points at a merged record to the survivor, the contact points
  with it (one the survivor already has is dropped), takes the chosen values, marks the merged records
  ``merged_into`` the survivor (their pages redirect, every channel's lookup resolves to the survivor),
  recomputes the tier from the joined archive, and writes one audit record and one :class:`CustomerMerge`
  with what moved;
- :func:`do_undo` — within ``KEFU_CUSTOMER_MERGE_UNDO_HOURS`` puts back what the merge moved (rows added to
  the survivor since stay with it; a value changed since is kept).

Who: the capability ``customer.merge`` (supervisors and branch managers, administrators), and every record
must be in the person's scope (their branch). Lock order: the customers in ascending id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.customers import actions, hooks
from kefu.customers.access import access_customer
from kefu.customers.models import ContactPoint, Customer, CustomerMerge
from kefu.lib import clock, search
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff

MAX_MERGED = 10

# The fields a person chooses when the records disagree (the survivor's value is the default).
CHOICE_FIELDS: dict[str, Any] = {
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "address": gettext_lazy("Address"),
    "kind": gettext_lazy("Kind"),
    "relationship": gettext_lazy("Relationship"),
    "area": gettext_lazy("Service area"),
    "language": gettext_lazy("Language"),
    "user": gettext_lazy("Portal login"),
}
# Columns a choice sets on the survivor (the phone brings its normalised form).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "phone_e164"),
    "area": ("area_id",),
    "user": ("user_id",),
}
_KEPT = ("customer_since", "marketing_consent", "marketing_consent_at")


def _columns(name: str) -> tuple[str, ...]:
    return _COLUMNS.get(name, (name,))


def undo_hours() -> int:
    return int(getattr(settings, "KEFU_CUSTOMER_MERGE_UNDO_HOURS", 72))


# ---------------------------------------------------------------------------------------------------------
# What moves


def moving_references() -> list[hooks.CustomerReference]:
    return [r for r in hooks.customer_references() if r.moves]


def _model(ref: hooks.CustomerReference) -> type[models.Model]:
    return apps.get_model(ref.model)


def _label(ref: hooks.CustomerReference) -> str:
    return str(ref.label or _model(ref)._meta.verbose_name_plural)


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    options: list[tuple[int, str]]  # (customer id, the value as shown)
    default: int  # the customer whose value is taken unless chosen otherwise


@dataclass(frozen=True)
class MovingRows:
    key: str  # "app.Model.field"
    label: str
    counts: dict[int, int]  # merged customer id → rows

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Identity:
    customer_id: int
    kind: str
    kind_label: str
    value: str
    normalized: str
    already: bool  # the survivor has it already (the merged record's row is dropped)


@dataclass
class Preview:
    survivor: Customer
    merged: list[Customer]
    rows: list[MovingRows]
    identities: list[Identity]
    choices: list[FieldChoice]
    undo_hours: int
    notes: list[str] = field(default_factory=list)

    @property
    def customers(self) -> list[Customer]:
        return [self.survivor, *self.merged]


def _display(c: Customer, name: str) -> str:
    if name == "area":
        return c.area.name if c.area_id and c.area else ""
    if name == "user":
        return c.user.get_username() if c.user_id and c.user else ""
    if name in ("kind", "relationship", "language"):
        return str(getattr(c, f"get_{name}_display")()) if getattr(c, name) else ""
    return str(getattr(c, name) or "")


def _raw(c: Customer, name: str) -> tuple[Any, ...]:
    return tuple(getattr(c, col) for col in _columns(name))


def field_choices(survivor: Customer, merged: list[Customer]) -> list[FieldChoice]:
    """The fields on which the records disagree (blank values do not count: a blank survivor field takes
    the first merged record's value by default)."""
    out = []
    for name, label in CHOICE_FIELDS.items():
        seen: dict[tuple[Any, ...], int] = {}
        options: list[tuple[int, str]] = []
        for c in [survivor, *merged]:
            raw = _raw(c, name)
            if not any(v not in (None, "") for v in raw) or raw in seen:
                continue
            seen[raw] = c.pk
            options.append((c.pk, _display(c, name)))
        if len(options) > 1 or (options and options[0][0] != survivor.pk):
            out.append(FieldChoice(name, str(label), options, options[0][0]))
    return out


def _load(
    user: Actor, survivor_id: int | str, merged_ids: Sequence[int | str], *, lock: bool
) -> tuple[Customer, list[Customer]]:
    require_staff(user, "customer.merge")
    try:
        sid = int(survivor_id)
        ids = list(dict.fromkeys(int(i) for i in merged_ids))
    except (TypeError, ValueError):
        raise ValidationFailed("invalid", _("Choose the records to merge."), "merged") from None
    if not ids:
        raise ValidationFailed("required", _("Choose at least one record to merge into this one."), "merged")
    if sid in ids:
        raise ValidationFailed("self_merge", _("A record cannot be merged into itself."), "merged")
    if len(ids) > MAX_MERGED:
        raise ValidationFailed(
            "too_many", _("At most %(n)d records can be merged at once.") % {"n": MAX_MERGED}, "merged"
        )
    found = {}
    for pk in sorted([sid, *ids]):  # lock order: customers by ascending id
        try:
            found[pk] = access_customer(user, pk, for_update=lock)
        except NotFound:
            raise NotFound(
                "not_found", _("Customer not found."), "survivor" if pk == sid else "merged"
            ) from None
    for pk, c in found.items():
        name = "survivor" if pk == sid else "merged"
        if c.merged_into_id:
            raise ValidationFailed(
                "already_merged",
                _("%(number)s was already merged into another record.") % {"number": c.number},
                name,
            )
        if c.erased_at:
            raise ValidationFailed(
                "erased", _("%(number)s was erased and cannot be merged.") % {"number": c.number}, name
            )
    return found[sid], [found[pk] for pk in ids]


def preview(user: Actor, survivor_id: int | str, merged_ids: Sequence[int | str]) -> Preview:
    """What a merge of ``merged_ids`` into ``survivor_id`` would do (reads only)."""
    survivor, merged = _load(user, survivor_id, merged_ids, lock=False)
    ids = [c.pk for c in merged]
    rows = []
    for ref in moving_references():
        counts = dict(
            _model(ref)
            ._base_manager.filter(**{f"{ref.field}__in": ids})
            .values_list(f"{ref.field}_id")
            .annotate(n=models.Count("pk"))
            .values_list(f"{ref.field}_id", "n")
        )
        if counts:
            rows.append(MovingRows(f"{ref.model}.{ref.field}", _label(ref), counts))
    have = set(ContactPoint.objects.filter(customer=survivor).values_list("kind", "normalized"))
    identities = [
        Identity(
            cp.customer_id,
            cp.kind,
            str(cp.get_kind_display()),
            cp.value,
            cp.normalized,
            (cp.kind, cp.normalized) in have,
        )
        for cp in ContactPoint.objects.filter(customer_id__in=ids).order_by("customer_id", "kind", "id")
    ]
    notes = []
    logins = [c for c in [survivor, *merged] if c.user_id]
    if len(logins) > 1:
        notes.append(
            _(
                "Only one portal login can stay; the others are switched off (the undo switches them on again)."
            )
        )
    if any(not c.marketing_consent for c in [survivor, *merged]) and any(
        c.marketing_consent for c in [survivor, *merged]
    ):
        notes.append(_("One record has no consent to marketing: the merged record has none."))
    return Preview(survivor, merged, rows, identities, field_choices(survivor, merged), undo_hours(), notes)


# ---------------------------------------------------------------------------------------------------------
# The merge


def _snapshot(c: Customer) -> dict[str, Any]:
    cols = [col for name in CHOICE_FIELDS for col in _columns(name)] + list(_KEPT)
    out = {}
    for col in cols:
        v = getattr(c, col)
        out[col] = v.isoformat() if isinstance(v, dt.date | dt.datetime) else v
    return out


def _restore(c: Customer, col: str, v: Any) -> None:
    if col == "customer_since" and isinstance(v, str):
        v = dt.date.fromisoformat(v)
    elif col == "marketing_consent_at" and isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    setattr(c, col, v)


@transaction.atomic
def do_merge(
    user: Actor,
    survivor_id: int | str,
    merged_ids: Sequence[int | str],
    choices: dict[str, int | str] | None = None,
    reason: str = "",
) -> CustomerMerge:
    """Merge ``merged_ids`` into ``survivor_id``; ``choices`` maps a field of :data:`CHOICE_FIELDS` to the
    id of the record whose value the survivor takes (default: the survivor's own, else the first
    non-blank)."""
    survivor, merged = _load(user, survivor_id, merged_ids, lock=True)
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise ValidationFailed("too_long", _("The reason is longer than 300 characters."), "reason")
    by_id = {c.pk: c for c in [survivor, *merged]}
    offered = {fc.name: fc for fc in field_choices(survivor, merged)}
    picked: dict[str, int] = {}
    for name, value in (choices or {}).items():
        if name not in CHOICE_FIELDS:
            raise ValidationFailed(
                "invalid_choice", _("Unknown field: %(name)s.") % {"name": name}, "choices"
            )
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = -1
        if pk not in by_id:
            raise ValidationFailed(
                "invalid_choice", _("Choose one of the records being merged."), f"choices.{name}"
            )
        picked[name] = pk
    now = clock.now()
    ids = [c.pk for c in merged]
    before = _snapshot(survivor)
    merged_before = {str(c.pk): {"user_id": c.user_id, "version": c.version} for c in merged}

    # 1. the rows of every registered table
    moved: dict[str, dict[str, list[int]]] = {}
    for ref in moving_references():
        qs = _model(ref)._base_manager.filter(**{f"{ref.field}__in": ids})
        rows = list(qs.values_list("pk", f"{ref.field}_id"))
        if not rows:
            continue
        per: dict[str, list[int]] = {}
        for pk, owner in rows:
            per.setdefault(str(owner), []).append(pk)
        moved[f"{ref.model}.{ref.field}"] = per
        _model(ref)._base_manager.filter(pk__in=[pk for pk, _o in rows]).update(**{ref.field: survivor})

    # 2. the identities: one the survivor already has is dropped (kept in the merge record for the undo)
    have = set(ContactPoint.objects.filter(customer=survivor).values_list("kind", "normalized"))
    points_moved, points_dropped = [], []
    for cp in ContactPoint.objects.filter(customer_id__in=ids).order_by("customer_id", "id"):
        key = (cp.kind, cp.normalized)
        if key in have:
            points_dropped.append(
                {
                    "from": cp.customer_id,
                    "kind": cp.kind,
                    "value": cp.value,
                    "normalized": cp.normalized,
                    "label": cp.label,
                }
            )
            cp.delete()
            continue
        have.add(key)
        points_moved.append({"id": cp.pk, "from": cp.customer_id, "label": cp.label})
        cp.customer = survivor
        cp.label = "merged" if cp.label in ("primary", "") else cp.label
        cp.save(update_fields=["customer", "label"])

    # 3. the values: chosen, else the survivor's, else the first non-blank
    logins_disabled: list[int] = []
    for name, fc in offered.items():
        source = by_id[picked.get(name, fc.default)]
        for col in _columns(name):
            setattr(survivor, col, getattr(source, col))
    survivor.customer_since = min(c.customer_since for c in by_id.values())
    # the most restrictive consent wins
    if survivor.marketing_consent and not all(c.marketing_consent for c in by_id.values()):
        survivor.marketing_consent, survivor.marketing_consent_at = False, now
    login_ids = {c.user_id for c in by_id.values() if c.user_id}
    for c in merged:
        c.merged_into = survivor
        c.user = None
        c.version += 1
        c.updated_at = now
        c.save(update_fields=["merged_into", "user", "version", "updated_at"])
    for uid in sorted(login_ids - ({survivor.user_id} if survivor.user_id else set())):
        get_user_model().objects.filter(pk=uid, is_active=True).update(is_active=False)
        logins_disabled.append(uid)
    survivor.version += 1
    survivor.updated_at = now
    survivor.search_text = actions.customer_search_text(survivor)
    survivor.save()
    search.sync(survivor)
    actions._sync_contact_points(survivor)
    after = _snapshot(survivor)
    for ref in moving_references():
        if ref.after_move is not None:
            ref.after_move(survivor)
    actions.recompute_tier(survivor)
    record = CustomerMerge.objects.create(
        survivor=survivor,
        merged_ids=ids,
        moved=moved,
        points_moved=points_moved,
        points_dropped=points_dropped,
        survivor_before=before,
        survivor_after=after,
        merged_before=merged_before,
        logins_disabled=logins_disabled,
        choices=dict(picked),
        reason=reason,
        created_by=_login(user),
        created_at=now,
        undo_until=now + dt.timedelta(hours=undo_hours()),
    )
    changed_before, changed_after = audit.diff(before, after)
    audit.record(
        user,
        "customer.merge",
        survivor,
        before={**changed_before, "merged": [c.number for c in merged]},
        after={
            **changed_after,
            "merge": record.pk,
            "moved": {k: sum(len(v) for v in per.values()) for k, per in moved.items()},
            "identities_moved": len(points_moved),
            "identities_dropped": len(points_dropped),
        },
        customer_id=survivor.pk,
        summary=_("%(merged)s merged into %(survivor)s")
        % {"merged": ", ".join(c.number for c in merged), "survivor": survivor.number}
        + (f" — {reason}" if reason else ""),
    )
    return record


def _login(user: Actor) -> Any:
    return user if getattr(user, "pk", None) else None


# ---------------------------------------------------------------------------------------------------------
# Undo


def can_undo(record: CustomerMerge, now: dt.datetime | None = None) -> bool:
    return record.undone_at is None and (now or clock.now()) <= record.undo_until


@transaction.atomic
def do_undo(user: Actor, merge_id: int | str) -> CustomerMerge:
    """Put back what merge ``merge_id`` moved, within its undo window."""
    require_staff(user, "customer.merge")
    try:
        pk = int(merge_id)
    except (TypeError, ValueError):
        raise NotFound("not_found", _("Merge not found."), "merge") from None
    probe = CustomerMerge.objects.filter(pk=pk).first()
    if probe is None:
        raise NotFound("not_found", _("Merge not found."), "merge")
    ids = [int(i) for i in probe.merged_ids]
    found = {}
    for cid in sorted([probe.survivor_id, *ids]):  # lock order: customers by ascending id
        try:
            found[cid] = access_customer(user, cid, for_update=True)
        except NotFound:
            raise NotFound("not_found", _("Merge not found."), "merge") from None
    record = CustomerMerge.objects.select_for_update().get(pk=pk)
    now = clock.now()
    if record.undone_at is not None:
        raise ValidationFailed("already_undone", _("This merge was already undone."), "merge")
    if now > record.undo_until:
        raise ValidationFailed(
            "undo_expired",
            _("A merge can only be undone within %(hours)d hours.") % {"hours": undo_hours()},
            "merge",
        )
    survivor = found[record.survivor_id]
    if survivor.erased_at:
        raise ValidationFailed("erased", _("This record was erased."), "merge")
    if survivor.merged_into_id:
        raise ValidationFailed(
            "survivor_merged",
            _("The surviving record was merged again since; undo that merge first."),
            "merge",
        )
    merged = [found[i] for i in ids]
    # 1. the records come back (their logins too)
    for c in merged:
        c.merged_into = None
        c.user_id = record.merged_before.get(str(c.pk), {}).get("user_id")
        c.version += 1
        c.updated_at = now
    # 2. the survivor's values: those the merge set and nobody changed since go back
    current = _snapshot(survivor)
    for col, value in record.survivor_after.items():
        if current.get(col) == value and col in record.survivor_before:
            _restore(survivor, col, record.survivor_before[col])
    restored_logins = {c.user_id for c in merged if c.user_id}
    if survivor.user_id in restored_logins:
        survivor.user = None
    survivor.version += 1
    survivor.updated_at = now
    survivor.search_text = actions.customer_search_text(survivor)
    survivor.save()
    for c in merged:
        c.search_text = actions.customer_search_text(c)
        c.save(update_fields=["merged_into", "user", "version", "updated_at", "search_text"])
        search.sync(c)
    search.sync(survivor)
    if record.logins_disabled:
        get_user_model().objects.filter(pk__in=record.logins_disabled).update(is_active=True)
    # 3. the rows that still sit on the survivor go back where they came from
    back = 0
    for key, per in record.moved.items():
        label, fname = key.rsplit(".", 1)
        model = apps.get_model(label)
        for owner, pks in per.items():
            back += model._base_manager.filter(pk__in=pks, **{f"{fname}_id": survivor.pk}).update(
                **{f"{fname}_id": int(owner)}
            )
    for p in record.points_moved:
        ContactPoint.objects.filter(pk=p["id"], customer=survivor).update(
            customer_id=p["from"], label=p["label"]
        )
    for p in record.points_dropped:
        ContactPoint.objects.get_or_create(
            customer_id=p["from"],
            kind=p["kind"],
            normalized=p["normalized"],
            defaults={"value": p["value"], "label": p["label"]},
        )
    actions._sync_contact_points(survivor)
    for c in [survivor, *merged]:
        for ref in moving_references():
            if ref.after_move is not None:
                ref.after_move(c)
        actions.recompute_tier(c)
    record.undone_at = now
    record.undone_by = _login(user)
    record.save(update_fields=["undone_at", "undone_by"])
    audit.record(
        user,
        "customer.merge_undone",
        survivor,
        before={"merge": record.pk},
        after={"restored": [c.number for c in merged], "rows_back": back},
        customer_id=survivor.pk,
        summary=_("Merge of %(merged)s into %(survivor)s undone")
        % {"merged": ", ".join(c.number for c in merged), "survivor": survivor.number},
    )
    return record

"""Editing outlets and service areas in the console (R-8, R-30).

Who: administrators edit every branch's; a branch manager (capability ``config.branch``) their own branch's.
Each save is one audited transaction. Outlets' name, address and opening hours have a value per language
(``translations``, docs/adr/0008-content-translations.md); the Simplified Chinese one is required.

Areas: a code (letters, digits, dashes), a name, urban or rural, the households (0–1,000,000), address
keywords (one per line, each at most in one area of the branch), the serving outlet (of the same branch) and
the responsible staff (active staff of the same branch).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization import revisions
from kefu.organization.access import Actor, branches_of, require_staff
from kefu.organization.models import AreaKind, Branch, ConfigRevision, Outlet, ServiceArea, Staff

CAPABILITY = "config.branch"
MAX_HOUSEHOLDS = 1_000_000
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,30}$")


def editable_branches(staff: Staff) -> QuerySet[Branch]:
    return branches_of(staff)


def _branch(staff: Staff | None, branch_id: Any) -> Branch:
    """One of ``staff``'s branches (any branch when a scheduled change is applied: ``staff`` None)."""
    rows = editable_branches(staff) if staff is not None else Branch.objects.all()
    branch = rows.filter(pk=branch_id).first() if str(branch_id).isdecimal() else None
    if branch is None:
        raise ValidationFailed("branch", _("Choose one of your branches."), "branch")
    return branch


def outlets_of(staff: Staff) -> QuerySet[Outlet]:
    return Outlet.objects.filter(branch__in=editable_branches(staff)).select_related("branch")


def areas_of(staff: Staff) -> QuerySet[ServiceArea]:
    return ServiceArea.objects.filter(branch__in=editable_branches(staff)).select_related("branch", "outlet")


def _text(data: Mapping[str, Any], name: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(name, "") or "").strip()
    if required and not value:
        raise ValidationFailed("required", _("%(field)s is required.") % {"field": label}, name)
    if len(value) > limit:
        raise ValidationFailed(
            "too_long", _("%(field)s is at most %(n)d characters.") % {"field": label, "n": limit}, name
        )
    return value


def translations_from(
    data: Mapping[str, Any], fields: Mapping[str, tuple[str, int]], current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The ``translations`` value from form fields named ``<field>__<language>`` (empty: falls back)."""
    result: dict[str, Any] = dict(current or {})
    for lang in content_languages():
        for name, (label, limit) in fields.items():
            key = f"{name}__{lang}"
            if key in data:
                value = _text(data, key, f"{label} ({lang})", limit)
                result = with_translation(result, lang, name, value)
    return result


# --- outlets ------------------------------------------------------------------------------------------------


def outlet_fields() -> dict[str, tuple[str, int]]:
    return {
        "name": (_("Name"), 200),
        "address": (_("Address"), 300),
        "opening_hours": (_("Opening hours"), 200),
    }


def outlet_values(outlet: Outlet) -> dict[str, Any]:
    """The values a change of ``outlet`` can touch, JSON-ready (a scheduled change's ``patch``)."""
    return {
        "branch": outlet.branch_id,
        "name": outlet.name,
        "address": outlet.address,
        "phone": outlet.phone,
        "opening_hours": outlet.opening_hours,
        "translations": dict(outlet.translations or {}),
    }


def _fill_outlet(staff: Staff, outlet: Outlet, data: Mapping[str, Any]) -> None:
    """Set ``outlet``'s fields from a form (not saved), or ValidationFailed naming the field."""
    if outlet.pk is not None and "branch" in data:
        outlet.branch = _branch(staff, data.get("branch"))
    outlet.name = _text(data, "name", _("Name"), 200, required=True)
    outlet.address = _text(data, "address", _("Address"), 300, required=True)
    outlet.phone = _text(data, "phone", _("Phone"), 50)
    if outlet.phone and not re.fullmatch(r"[0-9+()\- ]{3,50}", outlet.phone):
        raise ValidationFailed(
            "invalid", _("A phone number has digits, spaces, +, - and brackets only."), "phone"
        )
    outlet.opening_hours = _text(data, "opening_hours", _("Opening hours"), 200)
    outlet.translations = translations_from(data, outlet_fields(), outlet.translations)


def _write_outlet(actor: Any, outlet: Outlet, before: dict[str, Any], note: str = "") -> None:
    outlet.save()
    b, a = audit.diff(before, audit.snapshot(outlet)) if before else ({}, audit.snapshot(outlet))
    audit.record(
        actor,
        "outlet.created" if not before else "outlet.changed",
        outlet,
        before=b,
        after=a,
        summary=f"{outlet.name} {note}".strip(),
    )


def _locked_outlet(staff: Staff, outlet_id: int, version: Any) -> Outlet:
    found = outlets_of(staff).select_for_update(of=("self",)).filter(pk=outlet_id).first()
    if found is None:
        raise NotFound("not_found", _("No such outlet."))
    revisions.check_version(found, version)
    return found


def do_save_outlet(
    user: Actor, outlet_id: int | None, data: Mapping[str, Any], *, version: Any = None
) -> Outlet:
    """Create or change an outlet now; ``version`` (the form's) refuses a save over someone else's change."""
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        if outlet_id is None:
            outlet = Outlet(branch=_branch(staff, data.get("branch")))
            before: dict[str, Any] = {}
        else:
            outlet = _locked_outlet(staff, outlet_id, version)
            before = audit.snapshot(outlet)
        _fill_outlet(staff, outlet, data)
        _write_outlet(user, outlet, before)
    return outlet


def do_schedule_outlet(
    user: Actor, outlet_id: int, data: Mapping[str, Any], effective_from: Any, *, version: Any = None
) -> ConfigRevision:
    """Save a change of the outlet to take effect at ``effective_from`` (``revisions.schedule``)."""
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        outlet = _locked_outlet(staff, outlet_id, version)
        before = outlet_values(outlet)
        _fill_outlet(staff, outlet, data)
        return revisions.schedule(user, outlet, before, outlet_values(outlet), effective_from)


def _apply_outlet(actor: Any, outlet: Outlet, values: dict[str, Any], rev: ConfigRevision) -> None:
    before = audit.snapshot(outlet)
    for name, value in values.items():
        setattr(outlet, "branch_id" if name == "branch" else name, value)
    _write_outlet(actor, outlet, before, _("(scheduled change %(n)d)") % {"n": rev.pk})


# --- service areas ------------------------------------------------------------------------------------------


@dataclass
class AreaInput:
    branch: Branch
    code: str
    name: str
    kind: str
    households: int
    keywords: list[str]
    outlet: Outlet | None
    responsible: list[Staff] = field(default_factory=list)


def staff_choices(branch: Branch) -> QuerySet[Staff]:
    """Whom an area of ``branch`` can be contracted to: its active staff, by name."""
    return Staff.objects.filter(branch=branch, is_active=True).order_by("name")


def check_area(staff: Staff | None, area: ServiceArea | None, data: Mapping[str, Any]) -> AreaInput:
    """The area's values from a form, or ValidationFailed naming the field (see the module doc)."""
    branch = _branch(staff, data.get("branch")) if "branch" in data or area is None else area.branch
    code = _text(data, "code", _("Code"), 30, required=True)
    if not _CODE.fullmatch(code):
        raise ValidationFailed("code", _("The code has letters, digits, - and _ only."), "code")
    same = ServiceArea.objects.filter(code=code)
    clash = (same.exclude(pk=area.pk) if area else same).first()
    if clash is not None:
        raise ValidationFailed(
            "code_taken", _("Area %(name)s has this code already.") % {"name": clash.name}, "code"
        )
    name = _text(data, "name", _("Name"), 200, required=True)
    kind = str(data.get("kind", ""))
    if kind not in AreaKind.values:
        raise ValidationFailed("kind", _("Choose urban or rural."), "kind")
    raw = str(data.get("households", "")).strip()
    if not raw.isdecimal() or int(raw) > MAX_HOUSEHOLDS:
        raise ValidationFailed(
            "households",
            _("Households is a whole number from 0 to %(max)d.") % {"max": MAX_HOUSEHOLDS},
            "households",
        )
    keywords = []
    for k in str(data.get("address_keywords", "")).splitlines():
        k = k.strip()
        if k and k not in keywords:
            keywords.append(k)
    if any(len(k) < 2 for k in keywords):
        raise ValidationFailed(
            "keyword_short", _("An address keyword has at least two characters."), "address_keywords"
        )
    others = ServiceArea.objects.filter(branch=branch)
    if area is not None:
        others = others.exclude(pk=area.pk)
    for other in others:
        shared = sorted(set(keywords) & set(other.keywords()))
        if shared:
            raise ValidationFailed(
                "keyword_taken",
                _("The keyword “%(kw)s” belongs to area %(area)s already.")
                % {"kw": shared[0], "area": other.name},
                "address_keywords",
            )
    outlet = None
    outlet_id = str(data.get("outlet", "") or "")
    if outlet_id:
        outlet = (
            Outlet.objects.filter(pk=int(outlet_id), branch=branch).first() if outlet_id.isdecimal() else None
        )
        if outlet is None:
            raise ValidationFailed("outlet", _("Choose an outlet of the area's branch."), "outlet")
    ids = [int(x) for x in _list(data, "responsible") if str(x).isdecimal()]
    responsible = list(staff_choices(branch).filter(pk__in=ids))
    if len(responsible) != len(set(ids)):
        raise ValidationFailed(
            "responsible", _("Responsible staff must be active staff of the area's branch."), "responsible"
        )
    return AreaInput(branch, code, name, kind, int(raw), keywords, outlet, responsible)


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = data.get(name) or []
    return list(value) if isinstance(value, list | tuple) else [value]


def area_fields() -> dict[str, tuple[str, int]]:
    """The area's texts with a value per language (the name customers read on the disclosure page)."""
    return {"name": (_("Name"), 200)}


def area_values(area: ServiceArea) -> dict[str, Any]:
    """The values a change of ``area`` can touch, JSON-ready (a scheduled change's ``patch``)."""
    return {
        "branch": area.branch_id,
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "households": area.households,
        "address_keywords": area.address_keywords,
        "outlet": area.outlet_id,
        "responsible": sorted(area.responsible.values_list("pk", flat=True)),
        "translations": area.translations or {},
    }


def _input_values(values: AreaInput) -> dict[str, Any]:
    return {
        "branch": values.branch.pk,
        "code": values.code,
        "name": values.name,
        "kind": values.kind,
        "households": values.households,
        "address_keywords": "\n".join(values.keywords),
        "outlet": values.outlet.pk if values.outlet else None,
        "responsible": sorted(s.pk for s in values.responsible),
    }


def _locked_area(staff: Staff, area_id: int, version: Any) -> ServiceArea:
    area = areas_of(staff).select_for_update(of=("self",)).filter(pk=area_id).first()
    if area is None:
        raise NotFound("not_found", _("No such area."))
    revisions.check_version(area, version)
    return area


def _write_area(
    actor: Any,
    area: ServiceArea,
    before: dict[str, Any],
    values: AreaInput,
    note: str = "",
    *,
    translations: dict[str, Any] | None = None,
) -> None:
    area.branch, area.code, area.name, area.kind = values.branch, values.code, values.name, values.kind
    if translations is not None:
        area.translations = translations
    area.households, area.outlet = values.households, values.outlet
    area.address_keywords = "\n".join(values.keywords)
    area.save()
    area.responsible.set(values.responsible)
    after = {**audit.snapshot(area), "responsible": sorted(s.pk for s in values.responsible)}
    b, a = audit.diff(before, after) if before else ({}, after)
    audit.record(
        actor,
        "area.created" if not before else "area.changed",
        area,
        before=b,
        after=a,
        summary=f"{area.name} {note}".strip(),
    )


def _area_snapshot(area: ServiceArea) -> dict[str, Any]:
    return {**audit.snapshot(area), "responsible": sorted(area.responsible.values_list("pk", flat=True))}


def do_save_area(
    user: Actor, area_id: int | None, data: Mapping[str, Any], *, version: Any = None
) -> ServiceArea:
    """Create or change an area now; ``version`` (the form's) refuses a save over someone else's change."""
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        area = None
        before: dict[str, Any] = {}
        if area_id is not None:
            area = _locked_area(staff, area_id, version)
            before = _area_snapshot(area)
        values = check_area(staff, area, data)
        area = area or ServiceArea()
        _write_area(
            user, area, before, values, translations=translations_from(data, area_fields(), area.translations)
        )
    return area


def do_schedule_area(
    user: Actor, area_id: int, data: Mapping[str, Any], effective_from: Any, *, version: Any = None
) -> ConfigRevision:
    """Save a change of the area (households, keywords, outlet, responsible staff …) to take effect at
    ``effective_from``; checked now as a save would be, and again when it is applied."""
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        area = _locked_area(staff, area_id, version)
        values = check_area(staff, area, data)
        after = {
            **_input_values(values),
            "translations": translations_from(data, area_fields(), area.translations),
        }
        return revisions.schedule(user, area, area_values(area), after, effective_from)


def _apply_area(actor: Any, area: ServiceArea, values: dict[str, Any], rev: ConfigRevision) -> None:
    merged = {**area_values(area), **values}
    form = {**merged, "outlet": merged["outlet"] or "", "households": str(merged["households"])}
    checked = check_area(None, area, form)
    note = _("(scheduled change %(n)d)") % {"n": rev.pk}
    _write_area(actor, area, _area_snapshot(area), checked, note, translations=merged["translations"])


def _area_labels() -> dict[str, Any]:
    return {
        "branch": _("Branch"),
        "code": _("Code"),
        "name": _("Name"),
        "kind": _("Kind"),
        "households": _("Households"),
        "address_keywords": _("Address keywords"),
        "outlet": _("Serving outlet"),
        "responsible": _("Responsible staff"),
        "translations": _("Other languages"),
    }


def _outlet_labels() -> dict[str, Any]:
    return {
        "branch": _("Branch"),
        "name": _("Name"),
        "address": _("Address"),
        "phone": _("Phone"),
        "opening_hours": _("Opening hours"),
        "translations": _("Other languages"),
    }


def _values(getter: Any) -> Any:
    def current(obj: Any, keys: Any) -> dict[str, Any]:
        wanted = set(keys)
        return {k: v for k, v in getter(obj).items() if k in wanted}

    return current


def register_revision_kinds() -> None:
    """Areas and outlets are versioned (``revisions``); called from the app's ``ready``."""
    revisions.register(
        revisions.Kind(
            name="organization.servicearea",
            model=ServiceArea,
            capability=CAPABILITY,
            editable=areas_of,
            current=_values(area_values),
            apply=_apply_area,
            time_zone=lambda area: area.branch.time_zone,
            field_label=revisions.labels(_area_labels),
        )
    )
    revisions.register(
        revisions.Kind(
            name="organization.outlet",
            model=Outlet,
            capability=CAPABILITY,
            editable=outlets_of,
            current=_values(outlet_values),
            apply=_apply_outlet,
            time_zone=lambda outlet: outlet.branch.time_zone,
            field_label=revisions.labels(_outlet_labels),
        )
    )

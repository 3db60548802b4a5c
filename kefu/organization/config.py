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
from kefu.organization.access import Actor, branches_of, require_staff
from kefu.organization.models import AreaKind, Branch, Outlet, ServiceArea, Staff

CAPABILITY = "config.branch"
MAX_HOUSEHOLDS = 1_000_000
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,30}$")


def editable_branches(staff: Staff) -> QuerySet[Branch]:
    return branches_of(staff)


def _branch(staff: Staff, branch_id: Any) -> Branch:
    branch = editable_branches(staff).filter(pk=branch_id).first() if str(branch_id).isdecimal() else None
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


def do_save_outlet(user: Actor, outlet_id: int | None, data: Mapping[str, Any]) -> Outlet:
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        if outlet_id is None:
            outlet = Outlet(branch=_branch(staff, data.get("branch")))
            before: dict[str, Any] = {}
        else:
            found = outlets_of(staff).select_for_update().filter(pk=outlet_id).first()
            if found is None:
                raise NotFound("not_found", _("No such outlet."))
            outlet, before = found, audit.snapshot(found)
            if "branch" in data:
                outlet.branch = _branch(staff, data.get("branch"))
        outlet.name = _text(data, "name", _("Name"), 200, required=True)
        outlet.address = _text(data, "address", _("Address"), 300, required=True)
        outlet.phone = _text(data, "phone", _("Phone"), 50)
        if outlet.phone and not re.fullmatch(r"[0-9+()\- ]{3,50}", outlet.phone):
            raise ValidationFailed(
                "phone", _("A phone number has digits, spaces, +, - and brackets only."), "phone"
            )
        outlet.opening_hours = _text(data, "opening_hours", _("Opening hours"), 200)
        outlet.translations = translations_from(data, outlet_fields(), outlet.translations)
        outlet.save()
        audit.record(
            user,
            "outlet.created" if not before else "outlet.changed",
            outlet,
            before=before,
            after=audit.snapshot(outlet),
            summary=outlet.name,
        )
    return outlet


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


def check_area(staff: Staff, area: ServiceArea | None, data: Mapping[str, Any]) -> AreaInput:
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


def do_save_area(user: Actor, area_id: int | None, data: Mapping[str, Any]) -> ServiceArea:
    staff = require_staff(user, CAPABILITY)
    with transaction.atomic():
        area = None
        before: dict[str, Any] = {}
        if area_id is not None:
            area = areas_of(staff).select_for_update(of=("self",)).filter(pk=area_id).first()
            if area is None:
                raise NotFound("not_found", _("No such area."))
            before = {
                **audit.snapshot(area),
                "responsible": sorted(area.responsible.values_list("pk", flat=True)),
            }
        values = check_area(staff, area, data)
        area = area or ServiceArea()
        area.branch, area.code, area.name, area.kind = values.branch, values.code, values.name, values.kind
        area.households, area.outlet = values.households, values.outlet
        area.address_keywords = "\n".join(values.keywords)
        area.translations = translations_from(data, area_fields(), area.translations)
        area.save()
        area.responsible.set(values.responsible)
        after = {**audit.snapshot(area), "responsible": sorted(s.pk for s in values.responsible)}
        b, a = audit.diff(before, after) if before else ({}, after)
        audit.record(
            user, "area.created" if not before else "area.changed", area, before=b, after=a, summary=area.name
        )
    return area

"""Editing the inspection score sheets in the console (Configuration → Score sheets, R-28), administrators.

A sheet has a name and description (Simplified Chinese, other languages in ``translations``), its total
points (满分) and its items: a code unique on the sheet, a category, the item's text and what is checked (each
in every language, docs/adr/0008-content-translations.md), its maximum points and its position.

``check_sheet`` refuses, naming the field, a sheet whose items' maximum points do not add up to its total, an
item without its Simplified Chinese text, a missing or repeated code, points outside 1 … 100; nothing is saved
while any error is left (``do_save_sheet`` is all or nothing, with its service-log record, R-33).

Inspections already scored keep their meaning: an inspection stores its points, maximum and percentage and one
score per item, pointing at the item row (``InspectionScore.item``). So the items of a sheet that has been
used are never changed in place: ``do_save_sheet`` saves a changed list of items (text, description, their
translations, category, points, code, items added or removed) or a changed total as a **new version** — a new
sheet (``version`` + 1, ``previous`` the old one) with new item rows — and deactivates the old one, which the
stored inspections go on pointing at. Its name, description, order of items and active flag are not part of
what was scored and change in place. A sheet nobody scored on yet is changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.inspections.models import Category, Inspection, ScoreItem, ScoreSheet
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff

VIEW_CAPABILITY = "config.branch"
EDIT_CAPABILITY = "admin"
MAX_ITEMS = 100
SHEET_AUDIT = ["name", "description", "translations", "active", "total_points", "version", "previous"]


def _int(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdecimal() else None


@dataclass
class ItemInput:
    """One item row of the form (``item-<n>-<field>``); ``id`` is the existing row's, None for a new one."""

    index: int
    id: int | None
    code: str
    category: str
    text: str
    description: str
    max_points: int | None
    position: int | None
    translations: dict[str, Any] = field(default_factory=dict)
    remove: bool = False

    def prefix(self) -> str:
        return f"item-{self.index}-"

    def meaning(self) -> tuple[Any, ...]:
        """What a score given against this item depends on (everything but its position)."""
        return (self.code, self.category, self.text, self.description, self.translations, self.max_points)


@dataclass
class SheetInput:
    name: str
    description: str
    translations: dict[str, Any]
    total_points: int | None
    active: bool
    items: list[ItemInput]

    @property
    def kept(self) -> list[ItemInput]:
        return [i for i in self.items if not i.remove]


def _translations(data: Mapping[str, Any], prefix: str, fields: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for lang in content_languages():
        for name in fields:
            values = with_translation(values, lang, name, str(data.get(f"{prefix}{name}__{lang}", "")))
    return values


def parse(data: Mapping[str, Any]) -> SheetInput:
    """The sheet the form describes: ``name``, ``description``, ``<field>__<language>``, ``total_points``,
    ``active`` and ``item_count`` rows of ``item-<n>-<field>`` (``id``, ``code``, ``category``, ``text``,
    ``description``, ``max_points``, ``position``, ``remove``, ``text__<language>`` …)."""
    count = min(_int(data.get("item_count")) or 0, MAX_ITEMS)
    items = []
    for n in range(count):
        p = f"item-{n}-"
        items.append(
            ItemInput(
                index=n,
                id=_int(data.get(p + "id")),
                code=str(data.get(p + "code", "")).strip(),
                category=str(data.get(p + "category", "")).strip(),
                text=str(data.get(p + "text", "")).strip(),
                description=str(data.get(p + "description", "")).strip(),
                max_points=_int(data.get(p + "max_points")),
                position=_int(data.get(p + "position")),
                translations=_translations(data, p, ScoreItem.translatable_fields),
                remove=bool(data.get(p + "remove")),
            )
        )
    return SheetInput(
        name=str(data.get("name", "")).strip(),
        description=str(data.get("description", "")).strip(),
        translations=_translations(data, "", ScoreSheet.translatable_fields),
        total_points=_int(data.get("total_points")),
        active=bool(data.get("active")),
        items=items,
    )


def input_of(sheet: ScoreSheet | None) -> SheetInput:
    """The stored sheet as the form shows it (an empty sheet of total 100 for a new one)."""
    if sheet is None:
        return SheetInput("", "", {}, 100, True, [])
    items = [
        ItemInput(
            n,
            i.pk,
            i.code,
            i.category,
            i.text,
            i.description,
            i.max_points,
            i.position,
            {k: dict(v) for k, v in (i.translations or {}).items()},
        )
        for n, i in enumerate(sheet.items.order_by("position", "id"))
    ]
    translations = {k: dict(v) for k, v in (sheet.translations or {}).items()}
    return SheetInput(sheet.name, sheet.description, translations, sheet.total_points, sheet.active, items)


def points_sum(sheet: SheetInput) -> int:
    return sum(i.max_points or 0 for i in sheet.kept)


def check_sheet(sheet: SheetInput) -> list[KefuError]:
    """Every problem of ``sheet``, each naming its form field (``item-<n>-<field>`` for an item's)."""
    errors: list[KefuError] = []
    if not sheet.name:
        errors.append(
            ValidationFailed("required", _("Enter the sheet's name in Simplified Chinese."), "name")
        )
    elif len(sheet.name) > 200:
        errors.append(ValidationFailed("too_long", _("At most 200 characters."), "name"))
    for lang, values in sheet.translations.items():
        if len(values.get("name", "")) > 200:
            errors.append(ValidationFailed("too_long", _("At most 200 characters."), f"name__{lang}"))
    if sheet.total_points is None or not 1 <= sheet.total_points <= 1000:
        errors.append(
            ValidationFailed(
                "invalid", _("Give the total points as a whole number from 1 to 1000."), "total_points"
            )
        )
    if not sheet.kept:
        errors.append(ValidationFailed("no_items", _("A score sheet needs at least one item."), "items"))
    seen: dict[str, int] = {}
    for item in sheet.kept:
        p = item.prefix()
        if not item.text:
            errors.append(
                ValidationFailed("required", _("Enter the item's text in Simplified Chinese."), p + "text")
            )
        elif len(item.text) > 300:
            errors.append(ValidationFailed("too_long", _("At most 300 characters."), p + "text"))
        for lang, values in item.translations.items():
            if len(values.get("text", "")) > 300:
                errors.append(ValidationFailed("too_long", _("At most 300 characters."), f"{p}text__{lang}"))
        if not item.code:
            errors.append(ValidationFailed("required", _("Give the item a code, e.g. L1."), p + "code"))
        elif len(item.code) > 20:
            errors.append(ValidationFailed("too_long", _("At most 20 characters."), p + "code"))
        elif item.code.casefold() in seen:
            errors.append(
                ValidationFailed(
                    "duplicate",
                    _("The code %(code)s is already used by another item of this sheet.")
                    % {"code": item.code},
                    p + "code",
                )
            )
        else:
            seen[item.code.casefold()] = item.index
        if item.category not in Category.values:
            errors.append(ValidationFailed("invalid_choice", _("Choose the category."), p + "category"))
        if item.max_points is None or not 1 <= item.max_points <= 100:
            errors.append(
                ValidationFailed(
                    "invalid", _("Give the points as a whole number from 1 to 100."), p + "max_points"
                )
            )
        if item.position is not None and item.position > 32767:
            errors.append(ValidationFailed("invalid", _("At most 32767."), p + "position"))
    total = points_sum(sheet)
    if sheet.kept and sheet.total_points and total != sheet.total_points:
        errors.append(
            ValidationFailed(
                "points_sum",
                _(
                    "The items' maximum points add up to %(sum)d, but the sheet's total is %(total)d: change "
                    "an item's points or the total."
                )
                % {"sum": total, "total": sheet.total_points},
                "total_points",
            )
        )
    return errors


def editable_sheets(user: Actor) -> QuerySet[ScoreSheet]:
    """The current version of every sheet (earlier versions are reached from it), with its item count, point
    sum and how many inspections were scored on it."""
    require_staff(user, VIEW_CAPABILITY)
    return (
        ScoreSheet.objects.filter(next_version__isnull=True)
        .annotate(n_items=Count("items", distinct=True), n_inspections=Count("inspections", distinct=True))
        .order_by("-active", "name", "id")
    )


def access_sheet(user: Actor, sheet_id: int) -> ScoreSheet:
    require_staff(user, VIEW_CAPABILITY)
    sheet = ScoreSheet.objects.select_related("previous").filter(pk=sheet_id).first()
    if sheet is None:
        raise NotFound("not_found", _("No such score sheet."))
    return sheet


def versions(sheet: ScoreSheet) -> list[ScoreSheet]:
    """The sheet's earlier versions, newest first (one query per version; a sheet has a handful)."""
    chain: list[ScoreSheet] = []
    current = sheet.previous
    while current is not None and len(chain) < 100:
        chain.append(current)
        current = current.previous
    return chain


def successor(sheet: ScoreSheet) -> ScoreSheet | None:
    return ScoreSheet.objects.filter(previous=sheet).first()


def in_use(sheet: ScoreSheet) -> int:
    return Inspection.objects.filter(sheet=sheet).count()


def _item_snapshot(items: list[ItemInput]) -> list[dict[str, Any]]:
    return [
        {"code": i.code, "category": i.category, "text": i.text, "max_points": i.max_points}
        for i in sorted(items, key=lambda x: (x.position or 0, x.index))
    ]


def _create_sheet(wanted: SheetInput, previous: ScoreSheet | None = None) -> ScoreSheet:
    """A new sheet with new item rows: version 1, or the version after ``previous``."""
    sheet = ScoreSheet.objects.create(
        name=wanted.name,
        description=wanted.description,
        translations=wanted.translations,
        total_points=wanted.total_points or 0,
        active=wanted.active,
        version=previous.version + 1 if previous is not None else 1,
        previous=previous,
    )
    for n, item in enumerate(wanted.kept):
        row = ScoreItem(sheet=sheet)
        _set_item(row, item, n)
        row.save()
    return sheet


def _set_item(row: ScoreItem, item: ItemInput, n: int) -> None:
    row.code = item.code
    row.category = item.category
    row.text = item.text
    row.description = item.description
    row.translations = item.translations
    row.max_points = item.max_points or 1
    row.position = item.position if item.position is not None else (n + 1) * 10


@dataclass(frozen=True)
class Saved:
    sheet: ScoreSheet
    new_version: bool


def do_save_sheet(user: Actor, sheet_id: int | None, data: Mapping[str, Any]) -> Saved:
    """Create or change a score sheet from the form (see ``parse``); a changed list of items of a sheet that
    inspections were scored on becomes a new version (module docstring). All or nothing, audited."""
    require_staff(user, EDIT_CAPABILITY)
    wanted = parse(data)
    with transaction.atomic():
        sheet = None
        if sheet_id is not None:
            sheet = ScoreSheet.objects.select_for_update().filter(pk=sheet_id).first()
            if sheet is None:
                raise NotFound("not_found", _("No such score sheet."))
            if successor(sheet) is not None:
                raise Conflict(
                    "old_version",
                    _("This is an earlier version of the sheet; change its current version."),
                    "sheet",
                )
        errors = check_sheet(wanted)
        existing = {i.pk: i for i in sheet.items.all()} if sheet is not None else {}
        for item in wanted.kept:
            if item.id is not None and item.id not in existing:
                errors.append(
                    ValidationFailed("not_found", _("This item is not on the sheet."), item.prefix() + "code")
                )
        raise_if(errors)
        if sheet is None:
            created = _create_sheet(wanted)
            audit.record(
                user,
                "score_sheet.create",
                created,
                after={**audit.snapshot(created, SHEET_AUDIT), "items": _item_snapshot(wanted.kept)},
                summary=_("score sheet “%(name)s” created") % {"name": created.name},
            )
            return Saved(created, False)
        before_input = input_of(sheet)
        before = {**audit.snapshot(sheet, SHEET_AUDIT), "items": _item_snapshot(before_input.items)}
        old_meaning = {i.id: i.meaning() for i in before_input.items}
        new_meaning = {i.id: i.meaning() for i in wanted.kept}
        items_changed = old_meaning != new_meaning or wanted.total_points != sheet.total_points
        scored = in_use(sheet)
        if items_changed and scored:
            new = _create_sheet(wanted, previous=sheet)
            sheet.active = False
            sheet.save(update_fields=["active"])
            audit.record(
                user,
                "score_sheet.new_version",
                new,
                before=before,
                after={**audit.snapshot(new, SHEET_AUDIT), "items": _item_snapshot(wanted.kept)},
                summary=_(
                    "score sheet “%(name)s” saved as version %(version)d; %(count)d inspections keep version "
                    "%(old)d"
                )
                % {"name": new.name, "version": new.version, "count": scored, "old": sheet.version},
            )
            return Saved(new, True)
        sheet.name = wanted.name
        sheet.description = wanted.description
        sheet.translations = wanted.translations
        sheet.total_points = wanted.total_points or 0
        sheet.active = wanted.active
        sheet.save()
        kept_ids = {i.id for i in wanted.kept if i.id is not None}
        ScoreItem.objects.filter(sheet=sheet).exclude(pk__in=kept_ids).delete()
        # codes may be swapped between items: clear them first (the unique constraint skips empty codes)
        ScoreItem.objects.filter(sheet=sheet).update(code="")
        for n, item in enumerate(wanted.kept):
            row = existing.get(item.id) if item.id is not None else None
            if row is None:
                row = ScoreItem(sheet=sheet)
            _set_item(row, item, n)
            row.save()
        after = {**audit.snapshot(sheet, SHEET_AUDIT), "items": _item_snapshot(wanted.kept)}
        old, new_values = audit.diff(before, after)
        audit.record(
            user,
            "score_sheet.save",
            sheet,
            before=old,
            after=new_values,
            summary=_("score sheet “%(name)s” saved") % {"name": sheet.name},
        )
        return Saved(sheet, False)

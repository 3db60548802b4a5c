"""The score-sheet editor's use cases (``inspections.sheet_edit``, R-28): the items' points against the sheet's
total, empty texts, repeated codes, the audit record, the fallback of untranslated items, and the versions —
a sheet that inspections were scored on keeps its items; the change becomes version 2."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.inspections import actions, sheet_edit
from kefu.inspections.actions import InspectionInput
from kefu.inspections.models import Inspection, InspectionScore, ScoreItem, ScoreSheet
from kefu.lib.errors import Conflict, Errors, PermissionDenied, ValidationFailed
from kefu.testing.factories import World

pytestmark = pytest.mark.django_db


def form(total: int | str = 25, items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """The POST of the editor: a sheet "柜台检查表" of three items (10 + 10 + 5 = 25 points) unless given."""
    rows = (
        items
        if items is not None
        else [
            {
                "code": "L1",
                "category": "language",
                "text": "文明用语",
                "max_points": "10",
                "text__en": "Polite phrases",
            },
            {"code": "A1", "category": "attitude", "text": "态度热情", "max_points": "10"},
            {"code": "P1", "category": "appearance", "text": "统一着装", "max_points": "5"},
        ]
    )
    data: dict[str, Any] = {
        "name": "柜台检查表",
        "name__en": "Counter sheet",
        "total_points": str(total),
        "active": "1",
        "item_count": str(len(rows)),
        **extra,
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"item-{n}-{key}"] = value
    return data


def items_of(sheet: ScoreSheet) -> list[dict[str, Any]]:
    rows = []
    for i in sheet.items.order_by("position", "id"):
        row = {"code": i.code, "category": i.category, "text": i.text, "max_points": str(i.max_points)}
        row["id"] = str(i.pk)
        row["position"] = str(i.position)
        for lang, values in (i.translations or {}).items():
            for field, text in values.items():
                row[f"{field}__{lang}"] = text
        rows.append(row)
    return rows


def test_a_new_sheet_is_saved_with_its_items_translations_and_an_audit_record(world: World) -> None:
    saved = sheet_edit.do_save_sheet(world.admin.user, None, form())
    sheet = saved.sheet
    assert not saved.new_version and (sheet.name, sheet.total_points, sheet.version) == ("柜台检查表", 25, 1)
    assert sheet.tr("name", "en") == "Counter sheet"
    items = list(sheet.items.order_by("position"))
    assert [(i.code, i.text, i.max_points, i.position) for i in items] == [
        ("L1", "文明用语", 10, 10),
        ("A1", "态度热情", 10, 20),
        ("P1", "统一着装", 5, 30),
    ]
    # an item without its own English text falls back to the Simplified Chinese one
    assert items[0].tr("text", "en") == "Polite phrases" and items[1].tr("text", "en") == "态度热情"
    assert items[1].missing_translations() == {"en": ["text"], "zh-hant": ["text"], "hu": ["text"]}
    record = AuditRecord.objects.get(action="score_sheet.create")
    assert record.after is not None and record.after["total_points"] == 25
    assert [i["code"] for i in record.after["items"]] == ["L1", "A1", "P1"]


def test_points_that_do_not_add_up_to_the_total_are_refused_naming_both_numbers(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sheet_edit.do_save_sheet(world.admin.user, None, form(total=30))
    assert refused.value.field == "total_points" and refused.value.code == "points_sum"
    assert "25" in str(refused.value.message) and "30" in str(refused.value.message)
    assert not ScoreSheet.objects.filter(name="柜台检查表").exists()
    # a removed item no longer counts: 10 + 10 = 20
    ok = sheet_edit.do_save_sheet(world.admin.user, None, {**form(total=20), "item-2-remove": "1"})
    assert ok.sheet.items.count() == 2


def test_empty_texts_repeated_codes_and_points_out_of_range_are_each_named(world: World) -> None:
    rows = [
        {"code": "L1", "category": "language", "text": "文明用语", "max_points": "10"},
        {"code": "l1", "category": "attitude", "text": "  ", "max_points": "10"},
        {"code": "", "category": "nonsense", "text": "着装", "max_points": "0"},
    ]
    with pytest.raises(Errors) as refused:
        sheet_edit.do_save_sheet(world.admin.user, None, form(total=20, items=rows))
    found = {(e.field, e.code) for e in refused.value.errors}
    assert found == {
        ("item-1-text", "required"),
        ("item-1-code", "duplicate"),
        ("item-2-code", "required"),
        ("item-2-category", "invalid_choice"),
        ("item-2-max_points", "invalid"),
    }
    with pytest.raises(ValidationFailed) as nothing:
        sheet_edit.do_save_sheet(world.admin.user, None, form(items=[]))
    assert nothing.value.field in {"items", "total_points"}
    assert not ScoreSheet.objects.filter(name="柜台检查表").exists()


def test_a_sheet_nobody_scored_on_is_changed_in_place(world: World) -> None:
    sheet = sheet_edit.do_save_sheet(world.admin.user, None, form()).sheet
    ids = list(sheet.items.order_by("position").values_list("pk", flat=True))
    rows = items_of(sheet)
    rows[2]["max_points"] = "10"
    rows.append({"code": "Q1", "category": "quality", "text": "一次告知", "max_points": "5"})
    saved = sheet_edit.do_save_sheet(world.admin.user, sheet.pk, form(total=35, items=rows))
    assert saved.sheet.pk == sheet.pk and not saved.new_version
    assert list(sheet.items.order_by("position").values_list("pk", flat=True))[:3] == ids
    assert [i.max_points for i in sheet.items.order_by("position")] == [10, 10, 10, 5]
    record = AuditRecord.objects.get(action="score_sheet.save")
    assert record.before is not None and record.before["total_points"] == 25
    assert record.after is not None and record.after["total_points"] == 35


def _score(world: World, sheet: ScoreSheet) -> Inspection:
    points = dict(zip(sheet.items.order_by("position").values_list("pk", flat=True), [8, 10, 3], strict=True))
    return actions.do_create_inspection(
        world.inspector.user,
        InspectionInput(
            kind="spot",
            sheet_id=sheet.pk,
            inspected_on=timezone.localdate(),
            scores=points,
            staff_id=world.agent.pk,
        ),
    )


def test_changing_the_items_of_a_sheet_in_use_makes_a_new_version_and_keeps_the_scored_one(
    world: World,
) -> None:
    sheet = sheet_edit.do_save_sheet(world.admin.user, None, form()).sheet
    inspection = _score(world, sheet)
    assert (inspection.points, inspection.max_points, str(inspection.percentage)) == (21, 25, "84.0")
    rows = items_of(sheet)
    rows[0]["text"] = "主动使用文明用语"
    rows[2]["max_points"] = "10"
    saved = sheet_edit.do_save_sheet(world.admin.user, sheet.pk, form(total=30, items=rows))
    assert saved.new_version
    new = saved.sheet
    assert (new.version, new.previous_id, new.total_points, new.active) == (2, sheet.pk, 30, True)
    sheet.refresh_from_db()
    assert not sheet.active and sheet.total_points == 25
    # the scored inspection still points at the old sheet and its items, with the points it was given against
    assert list(
        InspectionScore.objects.filter(inspection=inspection)
        .order_by("item__position")
        .values_list("item__sheet_id", "item__text", "item__max_points", "points")
    ) == [(sheet.pk, "文明用语", 10, 8), (sheet.pk, "态度热情", 10, 10), (sheet.pk, "统一着装", 5, 3)]
    assert [(i.code, i.text, i.max_points) for i in new.items.order_by("position")] == [
        ("L1", "主动使用文明用语", 10),
        ("A1", "态度热情", 10),
        ("P1", "统一着装", 10),
    ]
    record = AuditRecord.objects.get(action="score_sheet.new_version")
    assert record.object_id == str(new.pk)
    assert record.before is not None and record.before["version"] == 1 and record.before["total_points"] == 25
    assert (
        record.after is not None and record.after["version"] == 2 and record.after["previous_id"] == sheet.pk
    )
    # new inspections are scored on version 2 only; the list shows the current version
    assert list(ScoreSheet.objects.filter(active=True, name="柜台检查表")) == [new]
    assert [s.pk for s in sheet_edit.editable_sheets(world.admin.user) if s.name == "柜台检查表"] == [new.pk]
    # the old version cannot be changed any more
    with pytest.raises(Conflict):
        sheet_edit.do_save_sheet(world.admin.user, sheet.pk, form())


def test_renaming_a_sheet_in_use_or_reordering_its_items_changes_it_in_place(world: World) -> None:
    sheet = sheet_edit.do_save_sheet(world.admin.user, None, form()).sheet
    _score(world, sheet)
    rows = items_of(sheet)
    rows[0]["position"], rows[1]["position"] = "20", "10"
    saved = sheet_edit.do_save_sheet(world.admin.user, sheet.pk, form(items=rows, name="柜台服务检查表"))
    assert not saved.new_version and saved.sheet.pk == sheet.pk
    sheet.refresh_from_db()
    assert sheet.name == "柜台服务检查表" and sheet.version == 1
    assert [i.code for i in sheet.items.order_by("position")] == ["A1", "L1", "P1"]


def test_only_administrators_change_sheets(world: World) -> None:
    with pytest.raises(PermissionDenied):
        sheet_edit.do_save_sheet(world.supervisor.user, None, form())
    with pytest.raises(PermissionDenied):
        sheet_edit.editable_sheets(world.agent.user)
    assert sheet_edit.editable_sheets(world.supervisor.user) is not None


def test_the_default_sheets_have_item_codes_and_a_total_of_100() -> None:
    sheet = ScoreSheet.objects.filter(name="营业厅柜台服务检查表").first()
    if sheet is None:
        pytest.skip("the migration's sheets were flushed by an earlier transactional test")
    assert sheet.total_points == 100
    codes = list(ScoreItem.objects.filter(sheet=sheet).order_by("position").values_list("code", flat=True))
    assert codes[:3] == ["L1", "L2", "A1"] and len(set(codes)) == len(codes)

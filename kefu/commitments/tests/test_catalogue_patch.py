"""A catalogue revision is a patch: only what changed, with before and after; applying it on a later entry
changes only those fields and rows, and a field changed since (neither before nor after) is a conflict."""

from __future__ import annotations

import copy
from typing import Any

from kefu.commitments import catalogue_patch as patches


def _entry() -> dict[str, Any]:
    return {
        "service": {
            "code": "gas-install",
            "name": "燃气开户安装",
            "paid": True,
            "fee": "2800.00",
            "commitment": "材料齐全后5个工作日内通气。",
            "translations": {"en": {"name": "Gas installation"}},
        },
        "limits": [
            {"id": 7, "kind": "resolution", "area_kind": "urban", "unit": "working_days", "amount": "5.00"},
            {"id": 8, "kind": "resolution", "area_kind": "rural", "unit": "working_days", "amount": "10.00"},
        ],
        "materials": [
            {"id": 3, "name": "身份证", "description": "", "required": True, "order": 0, "translations": {}},
        ],
        "steps": [],
        "fees": [
            {
                "id": 5,
                "name": "开户安装费",
                "amount": "2800.00",
                "unit": "",
                "note": "",
                "order": 0,
                "translations": {},
            }
        ],
    }


def test_the_patch_holds_only_what_changed_with_before_and_after() -> None:
    before = _entry()
    after = copy.deepcopy(before)
    after["service"]["fee"] = "3000.00"
    after["service"]["translations"]["hu"] = {"name": "Gázbekötés"}
    after["fees"][0]["amount"] = "3000.00"
    after["limits"].pop()  # the rural limit removed
    after["materials"].append(
        {"id": None, "name": "房产证", "description": "", "required": True, "order": 1, "translations": {}}
    )
    patch = patches.diff(before, after)
    assert patch["service"] == {
        "fee": {"before": "2800.00", "after": "3000.00"},
        "tr.hu.name": {"before": None, "after": "Gázbekötés"},
    }
    assert [(op["op"], op.get("id"), op["label"]) for op in patch["rows"]["limits"]] == [
        ("remove", 8, "resolution")
    ]
    assert patch["rows"]["fees"][0]["fields"] == {"amount": {"before": "2800.00", "after": "3000.00"}}
    assert [op["op"] for op in patch["rows"]["materials"]] == ["add"]
    assert "steps" not in patch["rows"] and not patch["created"]
    result, conflicts = patches.apply_patch(before, patch)
    assert conflicts == [] and patches.diff(result, after)["service"] == {}
    assert [r["name"] for r in result["materials"]] == ["身份证", "房产证"]
    assert patches.is_empty(patches.diff(before, copy.deepcopy(before)))


def test_a_patch_applied_later_keeps_what_was_changed_in_between() -> None:
    opened = _entry()
    scheduled = copy.deepcopy(opened)
    scheduled["service"]["fee"] = "3000.00"
    scheduled["fees"][0]["amount"] = "3000.00"
    patch = patches.diff(opened, scheduled)
    now = copy.deepcopy(opened)  # meanwhile, at once: the urban limit 5 → 3 working days, an English text
    now["limits"][0]["amount"] = "3.00"
    now["service"]["translations"]["en"]["commitment"] = "Gas within 5 working days."
    result, conflicts = patches.apply_patch(now, patch)
    assert conflicts == []
    assert result["service"]["fee"] == "3000.00" and result["fees"][0]["amount"] == "3000.00"
    assert result["limits"][0]["amount"] == "3.00"  # not set back to 5
    assert result["service"]["translations"]["en"] == {
        "name": "Gas installation",
        "commitment": "Gas within 5 working days.",
    }


def test_the_same_field_changed_both_ways_is_a_conflict_and_nothing_of_it_is_taken() -> None:
    opened = _entry()
    scheduled = copy.deepcopy(opened)
    scheduled["service"]["fee"] = "3000.00"
    patch = patches.diff(opened, scheduled)
    now = copy.deepcopy(opened)
    now["service"]["fee"] = "2900.00"
    result, conflicts = patches.apply_patch(now, patch)
    assert conflicts == [
        {
            "kind": "field",
            "section": "service",
            "id": None,
            "label": "",
            "field": "fee",
            "before": "2800.00",
            "after": "3000.00",
            "current": "2900.00",
        }
    ]
    assert result["service"]["fee"] == "2900.00"
    forced, _found = patches.apply_patch(now, patch, force=True)
    assert forced["service"]["fee"] == "3000.00"
    same = copy.deepcopy(opened)
    same["service"]["fee"] = "3000.00"  # someone already made the same change: no conflict
    assert patches.apply_patch(same, patch)[1] == []


def test_rows_changed_and_removed_in_between_are_conflicts() -> None:
    opened = _entry()
    scheduled = copy.deepcopy(opened)
    scheduled["limits"][0]["amount"] = "4.00"  # change the urban limit
    scheduled["limits"].pop()  # remove the rural one
    patch = patches.diff(opened, scheduled)
    now = copy.deepcopy(opened)
    now["limits"] = [dict(now["limits"][1], amount="8.00")]  # urban removed, rural changed
    _result, conflicts = patches.apply_patch(now, patch)
    assert sorted((c["kind"], c["id"]) for c in conflicts) == [("row_changed", 8), ("row_removed", 7)]
    forced, _found = patches.apply_patch(now, patch, force=True)
    assert [(r["id"], r["amount"], r["area_kind"]) for r in forced["limits"]] == [(None, "4.00", "urban")]
    assert patches.touched(patch) == {"limits#7", "limits#8"}


def test_a_new_service_is_a_created_patch_and_the_history_summary_names_rows() -> None:
    patch = patches.diff(None, _entry())
    assert patch["created"] and patches.summary(patch) == [{"field": "created"}]
    after = _entry()
    after["limits"][1]["amount"] = "15.00"
    summary = patches.summary(patches.diff(_entry(), after))
    assert summary == [
        {
            "field": "limits",
            "added": 0,
            "removed": 0,
            "changed": 1,
            "rows": [
                {
                    "op": "change",
                    "label": "resolution",
                    "fields": [{"field": "amount", "before": "10.00", "after": "15.00"}],
                }
            ],
        }
    ]

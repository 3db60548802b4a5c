"""A catalogue revision as a *patch* (R-17, docs/commitments.md "Catalogue changes"): the fields and rows an
administrator changed, each with its value before and after. Pure: plain JSON in, plain JSON out, no Django,
so the data migration of the older whole-entry revisions can use it too.

An *entry* is a service's catalogue entry as ``commitments.catalogue.entry_of`` gives it::

    {"service": {"fee": "50.00", …, "translations": {"en": {"name": "…"}}},
     "limits": [{"id": 3, "kind": "resolution", …}], "materials": […], "steps": […], "fees": […]}

A *patch* says what changed between two entries::

    {"v": 2, "created": false,
     "service": {"fee": {"before": "0.00", "after": "50.00"}, "tr.en.name": {"before": null, "after": "…"}},
     "rows": {"fees": [{"op": "add", "row": {…}},
                       {"op": "change", "id": 4, "label": "上门费", "row": {…}, "fields": {"amount": {…}}},
                       {"op": "remove", "id": 5, "label": "…", "row": {…}}]}}

Translations are compared per language and field (``tr.<language>.<field>``), so an English name and a
Hungarian description changed by two people are two changes, not one. Applying a patch (``apply_patch``)
changes only what it names, on top of the entry as it is then; a field whose value is neither the patch's
*before* nor its *after* any more was changed by someone else since: a conflict, reported and not
overwritten unless ``force``.
"""

from __future__ import annotations

import json
from typing import Any

PATCH_VERSION = 2
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
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "limits": LIMIT_FIELDS,
    "materials": MATERIAL_FIELDS,
    "steps": STEP_FIELDS,
    "fees": FEE_FIELDS,
}
LABEL_FIELD = {"limits": "kind", "materials": "name", "steps": "title", "fees": "name"}
TR = "tr."


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its id, its translations spread into ``tr.<language>.<field>`` keys (empty
    translations left out: an empty translation and a missing one are the same)."""
    out = {k: v for k, v in record.items() if k not in ("id", "translations")}
    for lang, values in sorted((record.get("translations") or {}).items()):
        if isinstance(values, dict):
            for field, value in sorted(values.items()):
                if value not in (None, ""):
                    out[f"{TR}{lang}.{field}"] = value
    return out


def unflat(
    values: dict[str, Any], fields: tuple[str, ...], row_id: int | None = None, *, row: bool = False
) -> dict[str, Any]:
    """The record ``flat`` made ``values`` from; a ``row`` has an id (``row_id``, None for a new row)."""
    out: dict[str, Any] = {"id": row_id} if row else {}
    for field in fields:
        if field != "translations":
            out[field] = values.get(field)
    if "translations" in fields:
        translations: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            if key.startswith(TR) and value not in (None, ""):
                lang, _dot, field = key[len(TR) :].partition(".")
                translations.setdefault(lang, {})[field] = value
        out["translations"] = translations
    return out


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def label_of(section: str, row: dict[str, Any]) -> str:
    return str(row.get(LABEL_FIELD[section]) or "")


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The patch that turns entry ``before`` (None: no service yet) into entry ``after``. Rows are matched by
    id; a row of ``after`` without an id (or with one ``before`` does not have) is added."""
    patch: dict[str, Any] = {
        "v": PATCH_VERSION,
        "created": before is None,
        "service": _field_changes(flat(before["service"]) if before else {}, flat(after["service"])),
        "rows": {},
    }
    for section in ROW_FIELDS:
        old = {r["id"]: r for r in (before or {}).get(section, []) if r.get("id")}
        ops: list[dict[str, Any]] = []
        seen: set[int] = set()
        for row in after.get(section, []):
            rid = row.get("id")
            if rid and rid in old and rid not in seen:
                seen.add(rid)
                fields = _field_changes(flat(old[rid]), flat(row))
                if fields:
                    ops.append(
                        {
                            "op": "change",
                            "id": rid,
                            "label": label_of(section, row),
                            "row": flat(row),
                            "fields": fields,
                        }
                    )
            else:
                ops.append({"op": "add", "label": label_of(section, row), "row": flat(row)})
        for rid, row in old.items():
            if rid not in seen:
                ops.append({"op": "remove", "id": rid, "label": label_of(section, row), "row": flat(row)})
        if ops:
            patch["rows"][section] = ops
    return patch


def is_empty(patch: dict[str, Any]) -> bool:
    return not patch.get("created") and not patch.get("service") and not any(patch.get("rows", {}).values())


def _conflict(
    section: str,
    field: str,
    change: dict[str, Any],
    current: Any,
    *,
    row_id: int | None = None,
    label: str = "",
    kind: str = "field",
) -> dict[str, Any]:
    """One conflict: ``kind`` "field" (a value changed since), "row_changed" (a row to remove was changed
    since) or "row_removed" (a row to change was removed since)."""
    return {
        "kind": kind,
        "section": section,
        "id": row_id,
        "label": label,
        "field": field,
        "before": change.get("before"),
        "after": change.get("after"),
        "current": current,
    }


def _apply_fields(
    values: dict[str, Any],
    changes: dict[str, dict[str, Any]],
    conflicts: list[dict[str, Any]],
    section: str,
    force: bool,
    row_id: int | None = None,
    label: str = "",
) -> None:
    for key, change in changes.items():
        current = values.get(key)
        if current != change["before"] and current != change["after"]:
            conflicts.append(_conflict(section, key, change, current, row_id=row_id, label=label))
            if not force:
                continue
        if change["after"] is None:
            values.pop(key, None)
        else:
            values[key] = change["after"]


def apply_patch(
    entry: dict[str, Any], patch: dict[str, Any], *, force: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``entry`` with ``patch`` applied, and the conflicts found: fields (and rows) the patch changes whose
    current value is neither its *before* nor its *after*. Without ``force`` a conflicting change is left
    out (the caller applies nothing then); with ``force`` the patch's value wins, and a row changed by the
    patch but removed since is added again as it was saved."""
    conflicts: list[dict[str, Any]] = []
    service = flat(entry["service"])
    _apply_fields(service, patch.get("service", {}), conflicts, "service", force)
    out: dict[str, Any] = {"service": unflat(service, SERVICE_FIELDS)}
    for section, fields in ROW_FIELDS.items():
        rows = {r["id"]: flat(r) for r in entry.get(section, []) if r.get("id")}
        order = [r["id"] for r in entry.get(section, []) if r.get("id")]
        added: list[dict[str, Any]] = []
        for op in patch.get("rows", {}).get(section, []):
            label = op.get("label", "")
            if op["op"] == "add":
                added.append(dict(op["row"]))
                continue
            current = rows.get(op["id"])
            if op["op"] == "remove":
                if current is None:
                    continue  # removed already
                if current != op["row"]:
                    conflicts.append(
                        _conflict(section, "", {}, None, row_id=op["id"], label=label, kind="row_changed")
                    )
                    if not force:
                        continue
                rows.pop(op["id"])
                continue
            if current is None:  # changed by the patch, removed since
                conflicts.append(
                    _conflict(section, "", {}, None, row_id=op["id"], label=label, kind="row_removed")
                )
                if force:
                    added.append(dict(op["row"]))
                continue
            _apply_fields(current, op["fields"], conflicts, section, force, row_id=op["id"], label=label)
        out[section] = [unflat(rows[i], fields, i, row=True) for i in order if i in rows] + [
            unflat(r, fields, None, row=True) for r in added
        ]
    return out, conflicts


def touched(patch: dict[str, Any]) -> set[str]:
    """The keys of what ``patch`` changes: service fields, and ``<section>#<row id>`` for changed and removed
    rows (added rows touch nothing that exists)."""
    keys = set(patch.get("service", {}))
    for section, ops in patch.get("rows", {}).items():
        keys |= {f"{section}#{op['id']}" for op in ops if op["op"] != "add"}
    return keys


def summary(patch: dict[str, Any]) -> list[dict[str, Any]]:
    """What a patch changes, for the history: each service field with before and after, and per row list the
    rows added, removed and changed (with their labels and changed fields)."""
    if patch.get("created"):
        return [{"field": "created"}]
    out: list[dict[str, Any]] = [
        {"field": k, "before": v["before"], "after": v["after"]} for k, v in patch.get("service", {}).items()
    ]
    for section, ops in patch.get("rows", {}).items():
        out.append(
            {
                "field": section,
                "added": sum(1 for op in ops if op["op"] == "add"),
                "removed": sum(1 for op in ops if op["op"] == "remove"),
                "changed": sum(1 for op in ops if op["op"] == "change"),
                "rows": [
                    {
                        "op": op["op"],
                        "label": op.get("label", ""),
                        "fields": [
                            {"field": k, "before": v["before"], "after": v["after"]}
                            for k, v in op.get("fields", {}).items()
                        ],
                    }
                    for op in ops
                ],
            }
        )
    return out


def canonical(entry: dict[str, Any]) -> str:
    """One string per entry content (the editor's version check compares these)."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

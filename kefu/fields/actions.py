"""Use cases of tags and custom fields. Other apps (macros, triggers, the API, the console) call these:

- ``do_add_tags(actor, order, names)`` / ``do_remove_tags(...)`` / ``do_set_tags(...)``: the order's tags;
- ``do_set_field_values(actor, order, values)``: custom-field values of an order (and of its customer, for
  customer fields named in ``values``); ``do_set_customer_field_values(actor, customer, values)``;
- ``do_save_definition(actor, data, pk=None)``: an administrator declares or changes a field;
- ``check_required_fields``: the transition guard registered on ``workorders.hooks`` (every path that
  changes a status passes it).

Each change is validated as a whole (all problems at once, each naming its field ``custom_fields.<key>``),
written in one transaction and audited with the values before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers.access import access_customer
from kefu.customers.models import Customer
from kefu.fields import rules
from kefu.fields.models import FieldDefinition, FieldValue, OrderTag, Tag
from kefu.lib import clock
from kefu.lib.errors import Errors, KefuError, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.workorders.access import access_workorder
from kefu.workorders.hooks import TransitionEvent
from kefu.workorders.models import OrderTypeChoices, StatusChoices, WorkOrder

MAX_TAGS = 20  # per order


# --- definitions ------------------------------------------------------------------------------------------


def spec_of(d: FieldDefinition) -> rules.FieldSpec:
    return rules.FieldSpec(
        key=d.key,
        kind=d.kind,
        choices=tuple(d.choices or ()),
        pattern=d.pattern,
        min_value=d.min_value,
        max_value=d.max_value,
        order_types=tuple(d.order_types or ()),
        required_at=tuple(d.required_at or ()),
        scope=d.scope,
        label=d.label,
    )


def definitions(scope: str | None = None, *, include_inactive: bool = False) -> list[FieldDefinition]:
    qs = FieldDefinition.objects.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    if scope:
        qs = qs.filter(scope=scope)
    return list(qs.order_by("scope", "position", "id"))


DEFINITION_FIELDS = (
    "key",
    "label",
    "help_text",
    "scope",
    "kind",
    "choices",
    "order_types",
    "required_at",
    "pattern",
    "min_value",
    "max_value",
    "public",
    "position",
    "active",
)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("\r", "").replace("\n", ",").split(",")
    else:
        parts = [str(v) for v in value]
    out: list[str] = []
    for p in parts:
        p = rules.clean_text(p).strip()
        if p and p not in out:
            out.append(p)
    return out


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return rules.parse_value(rules.FieldSpec(key=name, kind=rules.Kind.NUMBER), value)[0]  # type: ignore[no-any-return]
    except rules.ValueProblem:
        raise ValidationFailed("invalid", _("Enter a number."), name) from None


def clean_definition(data: Mapping[str, Any], current: FieldDefinition | None = None) -> dict[str, Any]:
    """The definition's columns from ``data`` (a form or the API), checked; raises ``Errors``."""
    problems: list[KefuError] = []
    out: dict[str, Any] = {}
    data = {k: rules.clean_text(v) if isinstance(v, str) else v for k, v in data.items()}
    key = str(data.get("key", current.key if current else "") or "").strip()
    if current is not None and key != current.key:
        problems.append(ValidationFailed("immutable", _("The key of a field cannot change."), "key"))
    elif not rules.check_key(key):
        problems.append(
            ValidationFailed(
                "invalid",
                _("Use 1 to 40 lower-case letters, digits and _, starting with a letter (e.g. meter_no)."),
                "key",
            )
        )
    out["key"] = key
    label = str(data.get("label", "") or "").strip()
    if not label or len(label) > 100:
        problems.append(
            ValidationFailed("required", _("Give the field a label of up to 100 characters."), "label")
        )
    out["label"] = label
    out["help_text"] = str(data.get("help_text", "") or "").strip()[:300]
    scope = str(data.get("scope", "") or "")
    if scope not in rules.Scope.__members__.values():
        problems.append(ValidationFailed("invalid_choice", _("Choose work order or customer."), "scope"))
    elif current is not None and scope != current.scope:
        problems.append(
            ValidationFailed("immutable", _("A field cannot move between orders and customers."), "scope")
        )
    out["scope"] = scope
    kind = str(data.get("kind", "") or "")
    if kind not in rules.Kind.__members__.values():
        problems.append(ValidationFailed("invalid_choice", _("Choose the kind of value."), "kind"))
    elif (
        current is not None
        and kind != current.kind
        and FieldValue.objects.filter(definition=current).exists()
    ):
        problems.append(
            ValidationFailed("immutable", _("The kind of a field that has values cannot change."), "kind")
        )
    out["kind"] = kind
    choices = _as_list(data.get("choices"))
    if kind in (rules.Kind.CHOICE, rules.Kind.MULTI_CHOICE):
        if not choices:
            problems.append(
                ValidationFailed("required", _("List the options, separated by commas."), "choices")
            )
        elif any(len(c) > 100 for c in choices) or len(choices) > 100:
            problems.append(
                ValidationFailed("invalid", _("At most 100 options of up to 100 characters."), "choices")
            )
    else:
        choices = []
    out["choices"] = choices
    order_types = _as_list(data.get("order_types"))
    unknown = [t for t in order_types if t not in OrderTypeChoices.values]
    if unknown:
        problems.append(
            ValidationFailed(
                "invalid_choice", _("Unknown order type: %(t)s.") % {"t": ", ".join(unknown)}, "order_types"
            )
        )
    out["order_types"] = order_types if scope == rules.Scope.ORDER else []
    required_at = _as_list(data.get("required_at"))
    bad = [s for s in required_at if s not in StatusChoices.values]
    if bad:
        problems.append(
            ValidationFailed(
                "invalid_choice", _("Unknown status: %(s)s.") % {"s": ", ".join(bad)}, "required_at"
            )
        )
    out["required_at"] = required_at
    pattern = str(data.get("pattern", "") or "").strip()
    if pattern and (kind != rules.Kind.TEXT or not rules.check_pattern(pattern) or len(pattern) > 200):
        problems.append(
            ValidationFailed(
                "invalid", _("A pattern is a valid regular expression, for text fields only."), "pattern"
            )
        )
    out["pattern"] = pattern
    for name in ("min_value", "max_value"):
        try:
            out[name] = _decimal(data.get(name), name) if kind == rules.Kind.NUMBER else None
        except KefuError as exc:
            problems.append(exc)
            out[name] = None
    if (
        out.get("min_value") is not None
        and out.get("max_value") is not None
        and out["min_value"] > out["max_value"]
    ):
        problems.append(ValidationFailed("invalid", _("The minimum is above the maximum."), "max_value"))
    out["public"] = _bool(data.get("public"))
    out["active"] = _bool(data.get("active", True))
    try:
        out["position"] = max(0, min(int(data.get("position") or 100), 32000))
    except (TypeError, ValueError):
        problems.append(ValidationFailed("invalid", _("Enter a whole number."), "position"))
    if problems:
        raise Errors(problems)
    return out


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def do_save_definition(actor: Actor, data: Mapping[str, Any], pk: int | None = None) -> FieldDefinition:
    """Declare a custom field (``pk`` None) or change one. Administrators only; audited."""
    require_staff(actor, "admin")
    with transaction.atomic():
        current = None
        if pk is not None:
            current = FieldDefinition.objects.select_for_update().filter(pk=pk).first()
            if current is None:
                raise ValidationFailed("not_found", _("Custom field not found."), "field")
        cleaned = clean_definition(data, current)
        now = clock.now()
        if current is None:
            if FieldDefinition.objects.filter(key=cleaned["key"]).exists():
                raise ValidationFailed("duplicate", _("A field with this key exists already."), "key")
            d = FieldDefinition.objects.create(**cleaned, created_at=now, updated_at=now)
            audit.record(actor, "fields.defined", d, after=cleaned, summary=f"{d.key}: {d.label}")
            return d
        before = {k: getattr(current, k) for k in DEFINITION_FIELDS}
        for k, v in cleaned.items():
            setattr(current, k, v)
        current.updated_at = now
        current.save()
        audit.record(
            actor, "fields.definition_changed", current, before=before, after=cleaned, summary=current.key
        )
        return current


# --- values -----------------------------------------------------------------------------------------------


def _typed(d: FieldDefinition, v: FieldValue) -> Any:
    if d.kind == rules.Kind.NUMBER:
        return v.value_number
    if d.kind == rules.Kind.DATE:
        return v.value_date
    return v.value_text


def _columns(kind: str, value: Any) -> dict[str, Any]:
    if kind == rules.Kind.NUMBER:
        return {"value_number": value, "value_text": rules.show(kind, [value])}
    if kind == rules.Kind.DATE:
        return {"value_date": value, "value_text": value.isoformat()}
    return {"value_text": value}


def json_value(kind: str, values: Sequence[Any]) -> Any:
    """A field's value for JSON: a list for multi-choice, else the one value or None (numbers as
    decimal strings keep their precision; dates ISO)."""
    if kind == rules.Kind.MULTI_CHOICE:
        return list(values)
    if not values:
        return None
    v = values[0]
    if isinstance(v, Decimal):
        return rules.show(kind, [v])
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def values_of(order: WorkOrder | None = None, customer_id: int | None = None) -> dict[str, list[Any]]:
    """The typed values (key → list) of an order and its customer, or of a customer alone."""
    cond = Q()
    if order is not None:
        cond = Q(workorder_id=order.pk) | Q(customer_id=order.customer_id)
    elif customer_id is not None:
        cond = Q(customer_id=customer_id)
    out: dict[str, list[Any]] = {}
    rows = (
        FieldValue.objects.filter(cond, definition__active=True).select_related("definition").order_by("id")
    )
    for v in rows:
        out.setdefault(v.definition.key, []).append(_typed(v.definition, v))
    return out


def _problem_message(d: FieldDefinition, p: rules.ValueProblem) -> str:
    params = {"label": d.label, **p.params}
    messages = {
        "invalid_choice": _("%(label)s: “%(value)s” is not one of the options (%(choices)s)."),
        "one_value": _("%(label)s takes one value."),
        "not_a_number": _("%(label)s: “%(value)s” is not a number."),
        "too_small": _("%(label)s must be at least %(minimum)s."),
        "too_large": _("%(label)s must be at most %(maximum)s."),
        "not_a_date": _("%(label)s: “%(value)s” is not a date (YYYY-MM-DD)."),
        "too_long": _("%(label)s: at most %(maximum)s characters."),
        "one_line": _("%(label)s must be one line."),
        "pattern": _("%(label)s does not have the expected form."),
    }
    return messages.get(p.code, _("%(label)s: invalid value.")) % params


def field_error_name(key: str) -> str:
    return f"custom_fields.{key}"


def _parse_all(
    defs: dict[str, FieldDefinition], values: Mapping[str, Any], scopes: set[str], order_type: str | None
) -> dict[str, tuple[FieldDefinition, list[Any]]]:
    problems: list[KefuError] = []
    parsed: dict[str, tuple[FieldDefinition, list[Any]]] = {}
    for key, raw in values.items():
        d = defs.get(key)
        if d is None or d.scope not in scopes:
            problems.append(
                ValidationFailed(
                    "unknown_field",
                    _("Unknown custom field “%(key)s”.") % {"key": key},
                    field_error_name(key),
                )
            )
            continue
        if order_type is not None and not rules.applies_to(spec_of(d), order_type):
            problems.append(
                ValidationFailed(
                    "not_applicable",
                    _("%(label)s is not a field of this order type.") % {"label": d.label},
                    field_error_name(key),
                )
            )
            continue
        try:
            parsed[key] = (d, rules.parse_value(spec_of(d), raw))
        except rules.ValueProblem as p:
            problems.append(ValidationFailed(p.code, _problem_message(d, p), field_error_name(key)))
    if problems:
        raise Errors(problems)
    return parsed


def _write(
    parsed: dict[str, tuple[FieldDefinition, list[Any]]],
    *,
    workorder: WorkOrder | None,
    customer_id: int | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace the values of each parsed field; (before, after) of the fields that changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if not parsed:
        return before, after
    ids = [d.pk for d, _v in parsed.values()]
    owner = {"workorder": workorder} if workorder is not None else {"customer_id": customer_id}
    existing: dict[int, list[FieldValue]] = {}
    for v in FieldValue.objects.filter(definition_id__in=ids, **owner).order_by("id"):
        existing.setdefault(v.definition_id, []).append(v)
    now = clock.now()
    new_rows: list[FieldValue] = []
    drop: list[int] = []
    for key, (d, vals) in parsed.items():
        old = [_typed(d, v) for v in existing.get(d.pk, [])]
        if old == vals:
            continue
        before[key] = json_value(d.kind, old)
        after[key] = json_value(d.kind, vals)
        drop += [v.pk for v in existing.get(d.pk, [])]
        new_rows += [FieldValue(definition=d, updated_at=now, **owner, **_columns(d.kind, x)) for x in vals]
    if drop:
        FieldValue.objects.filter(pk__in=drop).delete()
    if new_rows:
        FieldValue.objects.bulk_create(new_rows)
    return before, after


def do_set_field_values(
    actor: Actor, order: WorkOrder | int | str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Set custom-field values on an order (``values``: key → value; None or "" clears). Keys of customer
    fields set the order's customer's value. Needs ``order.work`` (and ``customer.edit`` for customer
    fields); every value is checked first (``Errors``, each naming ``custom_fields.<key>``). Returns the
    fields that changed (key → new value)."""
    staff = require_staff(actor, "order.work")
    key = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        o = access_workorder(actor, key, for_update=True)
        defs = {d.key: d for d in definitions()}
        parsed = _parse_all(defs, values, {rules.Scope.ORDER.value, rules.Scope.CUSTOMER.value}, o.order_type)
        mine = {k: v for k, v in parsed.items() if v[0].scope == rules.Scope.ORDER}
        theirs = {k: v for k, v in parsed.items() if v[0].scope == rules.Scope.CUSTOMER}
        if theirs and not staff.can("customer.edit"):
            require_staff(actor, "customer.edit")
        before, after = _write(mine, workorder=o, customer_id=None)
        c_before, c_after = _write(theirs, workorder=None, customer_id=o.customer_id)
        if after:
            audit.record(
                actor,
                "fields.order_values_changed",
                o,
                before=before,
                after=after,
                workorder_id=o.pk,
                customer_id=o.customer_id,
                summary=f"{o.number}: {', '.join(after)}",
            )
        if c_after:
            audit.record(
                actor,
                "fields.customer_values_changed",
                object_type="customers.customer",
                object_id=o.customer_id,
                before=c_before,
                after=c_after,
                customer_id=o.customer_id,
                workorder_id=o.pk,
                summary=", ".join(c_after),
            )
    return {**after, **c_after}


def do_set_customer_field_values(
    actor: Actor, customer: Customer | int, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Set customer custom-field values (``customer.edit``); audited; returns what changed."""
    require_staff(actor, "customer.edit")
    pk = customer.pk if isinstance(customer, Customer) else customer
    with transaction.atomic():
        c = access_customer(actor, pk, for_update=True)
        defs = {d.key: d for d in definitions()}
        parsed = _parse_all(defs, values, {rules.Scope.CUSTOMER.value}, None)
        before, after = _write(parsed, workorder=None, customer_id=c.pk)
        if after:
            audit.record(
                actor,
                "fields.customer_values_changed",
                c,
                before=before,
                after=after,
                customer_id=c.pk,
                summary=", ".join(after),
            )
    return after


# --- the transition guard ---------------------------------------------------------------------------------


def missing_fields(order: WorkOrder, to_status: str) -> list[FieldDefinition]:
    """The fields required at ``to_status`` that ``order`` (or its customer) has no value for."""
    defs = [d for d in definitions() if to_status in (d.required_at or [])]
    defs = [d for d in defs if rules.applies_to(spec_of(d), order.order_type)]
    if not defs:
        return []
    filled = set(
        FieldValue.objects.filter(
            Q(workorder_id=order.pk) | Q(customer_id=order.customer_id), definition__in=defs
        ).values_list("definition__key", flat=True)
    )
    by_key = {d.key: d for d in defs}
    return [
        by_key[s.key]
        for s in rules.missing_for([spec_of(d) for d in defs], order.order_type, to_status, filled)
    ]


def check_required_fields(event: TransitionEvent) -> None:
    """Transition guard: a status an order may not reach while a required field is empty."""
    missing = missing_fields(event.order, event.to_status)
    if not missing:
        return
    status = dict(StatusChoices.choices).get(event.to_status, event.to_status)
    labels = "、".join(d.label for d in missing) if _chinese() else ", ".join(d.label for d in missing)
    raise ValidationFailed(
        "required_field_missing",
        _("Fill in %(fields)s before the order is %(status)s.") % {"fields": labels, "status": status},
        field_error_name(missing[0].key),
        missing=[d.key for d in missing],
    )


def _chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


# --- tags -------------------------------------------------------------------------------------------------


def tags_of(order: WorkOrder) -> list[str]:
    return sorted(OrderTag.objects.filter(workorder=order).values_list("tag__name", flat=True))


def _tag_names(names: Iterable[str] | str) -> list[str]:
    if isinstance(names, str):
        return rules.split_tags(names)
    out: list[str] = []
    for n in names:
        for t in rules.split_tags(str(n)):
            if t not in out:
                out.append(t)
    return out


def _check_tags(names: list[str]) -> None:
    for n in names:
        if len(n) > rules.TAG_MAX:
            raise ValidationFailed(
                "too_long", _("A tag has at most %(n)d characters.") % {"n": rules.TAG_MAX}, "tags"
            )


def _get_tags(names: list[str]) -> list[Tag]:
    now = clock.now()
    found = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for n in names:
        if n not in found:
            try:
                with transaction.atomic():
                    found[n] = Tag.objects.create(name=n, created_at=now)
            except IntegrityError:  # created by someone else meanwhile
                found[n] = Tag.objects.get(name=n)
    return [found[n] for n in names]


def do_set_tags(actor: Actor, order: WorkOrder | int | str, names: Iterable[str] | str) -> list[str]:
    """Make the order's tags exactly ``names`` (normalised); audited; returns the tags."""
    return _change_tags(actor, order, names, mode="set")


def do_add_tags(actor: Actor, order: WorkOrder | int | str, names: Iterable[str] | str) -> list[str]:
    """Add tags to an order (normalised: ``rules.normalise_tag``; new names join the vocabulary);
    needs ``order.work``; audited; returns the order's tags."""
    return _change_tags(actor, order, names, mode="add")


def add_one_tag(actor: Actor, order_id: int, name: str) -> None:
    """The order action ``add_tag`` of workorders.hooks (macros, bulk actions): one tag, in the caller's
    transaction."""
    do_add_tags(actor, order_id, [name])


def do_remove_tags(actor: Actor, order: WorkOrder | int | str, names: Iterable[str] | str) -> list[str]:
    """Remove tags from an order; audited; returns the order's tags."""
    return _change_tags(actor, order, names, mode="remove")


def _change_tags(
    actor: Actor, order: WorkOrder | int | str, names: Iterable[str] | str, *, mode: str
) -> list[str]:
    staff = require_staff(actor, "order.work")
    wanted = _tag_names(names)
    _check_tags(wanted)
    key = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        o = access_workorder(actor, key, for_update=True)
        current = {ot.tag.name: ot for ot in OrderTag.objects.filter(workorder=o).select_related("tag")}
        if mode == "set":
            add = [n for n in wanted if n not in current]
            remove = [n for n in current if n not in wanted]
        elif mode == "add":
            add, remove = [n for n in wanted if n not in current], []
        else:
            add, remove = [], [n for n in wanted if n in current]
        if len(current) + len(add) - len(remove) > MAX_TAGS:
            raise ValidationFailed(
                "too_many", _("An order has at most %(n)d tags.") % {"n": MAX_TAGS}, "tags"
            )
        now = clock.now()
        if add:
            OrderTag.objects.bulk_create(
                [OrderTag(workorder=o, tag=t, added_by=staff, added_at=now) for t in _get_tags(add)]
            )
        if remove:
            OrderTag.objects.filter(pk__in=[current[n].pk for n in remove]).delete()
        after = sorted((set(current) | set(add)) - set(remove))
        if add or remove:
            audit.record(
                actor,
                "fields.tags_changed",
                o,
                before={"tags": sorted(current)},
                after={"tags": after},
                workorder_id=o.pk,
                customer_id=o.customer_id,
                summary=" ".join([*(f"+{n}" for n in add), *(f"-{n}" for n in remove)]),
            )
    return after


def tag_suggestions(prefix: str, limit: int = 10) -> list[dict[str, Any]]:
    """Autocomplete: the tags starting with ``prefix`` (normalised), the most used first."""
    from django.db.models import Count

    p = rules.normalise_tag(prefix)
    qs = Tag.objects.all()
    if p:
        qs = qs.filter(name__startswith=p)
    rows = qs.annotate(uses=Count("orders")).order_by("-uses", "name")[: max(1, min(limit, 50))]
    return [{"name": t.name, "uses": t.uses} for t in rows]  # type: ignore[attr-defined]

"""The "Fields and tags" card on the console order page (registered with kefu.workorders.hooks): the
custom fields of the order's type and of its customer with their values, and the order's tags — all read
in one statement (the definitions left-joined to this order's and customer's values, the tags in a
subquery), so the order page grows by one statement (kefu/console/tests/test_statement_budgets.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, CharField, FilteredRelation, Q, Subquery

from kefu.fields import rules
from kefu.fields.actions import json_value
from kefu.fields.models import FieldDefinition, OrderTag
from kefu.organization.access import staff_of
from kefu.workorders.models import StatusChoices, WorkOrder


class TagNames(Aggregate):
    """The tag names of a group, separated by spaces (a normalised tag has none)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ' ')"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


def order_fields(order: WorkOrder) -> tuple[list[dict[str, Any]], list[str]]:
    """(fields, tags) of ``order``: each field of the order's type or of its customer with its values
    (``values``: typed list, ``value``: as JSON, ``text``: as people read it). One statement."""
    tags_sq = (
        OrderTag.objects.filter(workorder_id=order.pk)
        .values("workorder_id")
        .annotate(names=TagNames("tag__name"))
        .values("names")
    )
    rows = (
        FieldDefinition.objects.filter(active=True)
        .annotate(
            mine=FilteredRelation(
                "values",
                condition=Q(values__workorder_id=order.pk) | Q(values__customer_id=order.customer_id),
            ),
            tag_names=Subquery(tags_sq[:1]),
        )
        .values(
            "id",
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
            "tag_names",
            "mine__id",
            "mine__value_text",
            "mine__value_number",
            "mine__value_date",
        )
        .order_by("scope", "position", "id", "mine__id")
    )
    fields: dict[int, dict[str, Any]] = {}
    tag_text = None
    for r in rows:
        tag_text = r["tag_names"]
        f = fields.get(r["id"])
        if f is None:
            spec = rules.FieldSpec(
                key=r["key"], kind=r["kind"], order_types=tuple(r["order_types"] or ()), scope=r["scope"]
            )
            if not rules.applies_to(spec, order.order_type):
                continue
            f = fields[r["id"]] = {**r, "values": []}
        if r["mine__id"] is not None:
            kind = r["kind"]
            v = (
                r["mine__value_number"]
                if kind == rules.Kind.NUMBER
                else r["mine__value_date"]
                if kind == rules.Kind.DATE
                else r["mine__value_text"]
            )
            f["values"].append(v)
    if not rows:  # no fields declared: the tags alone
        tag_text = " ".join(
            OrderTag.objects.filter(workorder_id=order.pk).values_list("tag__name", flat=True)
        )
    statuses = dict(StatusChoices.choices)
    for f in fields.values():
        f["required_labels"] = [str(statuses.get(s, s)) for s in f["required_at"] or []]
        f["value"] = json_value(f["kind"], f["values"])
        f["text"] = rules.show(f["kind"], f["values"])
    return list(fields.values()), sorted((tag_text or "").split())


def order_panel(request: Any, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    fields, tags = order_fields(order)
    return {
        "fields": fields,
        "tags": tags,
        "order": order,
        "can_edit": staff.can("order.work"),
        "can_edit_customer": staff.can("customer.edit"),
        "required_now": [],
    }

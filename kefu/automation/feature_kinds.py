"""The trigger kinds that use the features below automation: tags and custom fields (kefu.fields), macros
(kefu.macros). Registered in ``AutomationConfig.ready()``; docs/webhooks.md, "Registering kinds"."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.automation import registry
from kefu.fields import actions as fields
from kefu.fields import rules as field_rules
from kefu.fields.models import Tag
from kefu.lib.errors import ValidationFailed
from kefu.macros.actions import apply_to_order
from kefu.macros.models import Macro
from kefu.organization.models import Staff


def _tag_choices() -> list[registry.Choice]:
    return [
        registry.Choice(name, name)
        for name in Tag.objects.order_by("name").values_list("name", flat=True)[:200]
    ]


def _clean_tag(value: str, text: str) -> tuple[str, str]:
    name = field_rules.normalise_tag(value)
    if not name:
        raise ValidationFailed("required", _("Name the tag."), "value")
    return name, ""


def _field_values(ctx: registry.Context) -> set[str]:
    """The order's (and its customer's) custom-field values as ``key=value`` strings."""
    out: set[str] = set()
    for key, values in fields.values_of(ctx.order).items():
        for v in values:
            out.add(f"{key}={v}")
    return out


def _add_tag(ctx: registry.Context, run_as: Staff, value: str, text: str) -> None:
    fields.do_add_tags(run_as.user, ctx.order.pk, [value])


def _remove_tag(ctx: registry.Context, run_as: Staff, value: str, text: str) -> None:
    fields.do_remove_tags(run_as.user, ctx.order.pk, [value])


def _clean_field_value(value: str, text: str) -> tuple[str, str]:
    key, sep, wanted = value.partition("=")
    key = key.strip()
    if not sep or key not in {d.key for d in fields.definitions()}:
        raise ValidationFailed(
            "invalid",
            _("Write the field's key, an equals sign and the value, e.g. appointment=上午."),
            "value",
        )
    return f"{key}={wanted.strip()}", ""


def _set_field(ctx: registry.Context, run_as: Staff, value: str, text: str) -> None:
    key, _sep, wanted = value.partition("=")
    fields.do_set_field_values(run_as.user, ctx.order.pk, {key: wanted})


def _clean_macro(value: str, text: str) -> tuple[str, str]:
    value = value.strip()
    if not value.isdigit() or not Macro.objects.filter(pk=int(value), branch__isnull=False).exists():
        raise ValidationFailed(
            "invalid_choice", _("Choose a macro shared with a branch (its number)."), "value"
        )
    return value, ""


def _apply_macro(ctx: registry.Context, run_as: Staff, value: str, text: str) -> None:
    macro = Macro.objects.get(pk=int(value))
    apply_to_order(run_as.user, run_as, macro, ctx.order.pk, source="trigger")


def register() -> None:
    registry.register_condition(
        "tag",
        registry.ConditionKind(
            label=gettext_lazy("Tags"),
            value=lambda ctx: set(fields.tags_of(ctx.order)),
            ops=("contains", "not_contains"),
            choices=_tag_choices,
        ),
    )
    registry.register_condition(
        "custom_field",
        registry.ConditionKind(
            label=gettext_lazy("Custom field (key=value)"),
            value=_field_values,
            ops=("contains", "not_contains"),
        ),
    )
    for code, label, run in (
        ("add_tag", gettext_lazy("Add tag"), _add_tag),
        ("remove_tag", gettext_lazy("Remove tag"), _remove_tag),
    ):
        registry.register_action(
            code,
            registry.ActionKind(
                label=label, run=run, clean=_clean_tag, choices=_tag_choices, value_label=gettext_lazy("Tag")
            ),
        )
    registry.register_action(
        "set_custom_field",
        registry.ActionKind(
            label=gettext_lazy("Set custom field (key=value)"),
            run=_set_field,
            clean=_clean_field_value,
            value_label=gettext_lazy("Field and value"),
        ),
    )
    registry.register_action(
        "apply_macro",
        registry.ActionKind(
            label=gettext_lazy("Apply macro"),
            run=_apply_macro,
            clean=_clean_macro,
            choices=lambda: [
                registry.Choice(str(m.pk), m.name)
                for m in Macro.objects.filter(branch__isnull=False).order_by("name")
            ],
            value_label=gettext_lazy("Macro"),
        ),
    )

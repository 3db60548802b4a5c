"""The pure rules: safe variable rendering and the checks of a macro."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.macros import rules


def test_render_replaces_known_variables_only() -> None:
    text = "您好{{customer.name}}，工单 {{ order.number }} 已受理。{{order.secret}}"
    out = rules.render(text, {"customer.name": "张三", "order.number": "GD-20261207-000001"})
    assert out == "您好张三，工单 GD-20261207-000001 已受理。{{order.secret}}"


def test_values_are_not_rendered_again() -> None:
    # a customer named like a variable (or a template tag) stays plain text
    out = rules.render(
        "{{customer.name}}", {"customer.name": "{{agent.badge}} {% debug %}", "agent.badge": "X"}
    )
    assert out == "{{agent.badge}} {% debug %}"


@given(st.text())
def test_text_without_braces_is_unchanged(text: str) -> None:
    if "{{" not in text:
        assert rules.render(text, {"order.number": "N"}) == text


def test_unknown_variables_and_braces() -> None:
    assert rules.unknown_variables("{{order.number}} {{order.nmuber}} {{user.password}}") == [
        "order.nmuber",
        "user.password",
    ]
    assert rules.unbalanced("{{order.number}") is True
    assert rules.unbalanced("{{order.number}}") is False


def test_check_macro() -> None:
    empty = rules.check_macro(rules.MacroSpec(name=" "), needs_comment=False)
    assert [(e.code, e.field) for e in empty] == [("required", "name"), ("empty_macro", "reply_text")]
    bad = rules.check_macro(
        rules.MacroSpec(name="m", reply_text="{{x.y}}", status="resolved", tags=("a b",)), needs_comment=True
    )
    assert [(e.code, e.field) for e in bad] == [
        ("unknown_variable", "reply_text"),
        ("comment_required", "status_comment"),
        ("invalid_tag", "tags"),
    ]
    assert rules.check_macro(rules.MacroSpec(name="m", priority="high"), needs_comment=False) == []


def test_parse_tags() -> None:
    assert rules.parse_tags("燃气, 回访，燃气 vip") == ["燃气", "回访", "vip"]


def test_every_variable_has_a_translatable_label() -> None:
    from kefu.macros.forms import VARIABLE_LABELS

    assert set(VARIABLE_LABELS) == set(rules.VARIABLES)

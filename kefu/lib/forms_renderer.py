"""The form renderer: Django's templates, except ``<select>``, ``<input>`` and ``<textarea>``, which are built
in Python.

Django renders every ``<option>`` through a template include: a transfer form listing the 150 staff of a
branch cost about 40 ms of the order page's 130 ms CPU time (bench/RESULTS.md, 1,000,000 orders). The
output here is character for character what ``django/forms/widgets/select.html`` produces (tested against
it in ``tests/test_forms_renderer.py``); any other widget, or an option with another template, goes
through the templates as before. The same holds for the ``<input>`` widgets (text, number, date, hidden,
checkbox …: each a wrapper that includes ``input.html``) and ``<textarea>``: an order page has about twenty
fields, each three template renders deep.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
INPUT = "django/forms/widgets/input.html"
TEXTAREA = "django/forms/widgets/textarea.html"
# widgets whose template is exactly ``{% include "django/forms/widgets/input.html" %}`` and a newline
INPUT_WRAPPERS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel",
        "color", "checkbox",
    )
)  # fmt: skip


def _attrs(attrs: dict[str, Any]) -> str:
    # django/forms/widgets/attrs.html
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{conditional_escape(value)}"')
    return "".join(out)


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """The HTML of a select widget's context, or None when an option uses another template."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the template file's final newline
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _text(value: Any) -> str:
    # ``{{ value|stringformat:'s' }}`` with autoescaping
    return str(conditional_escape(value if hasattr(value, "__html__") else str(value)))


def render_input(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input.html (the renderer strips the final newline, as Django's does)."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    html = (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def render_textarea(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/textarea.html (stripped, as Django's renderer strips every widget)."""
    body = conditional_escape(widget["value"]) if widget["value"] else ""
    html = (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'
    )
    return mark_safe(html)  # noqa: S308 - every value above is escaped


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if widget is not None:
            if template_name == SELECT:
                html = render_select(widget)
                if html is not None:
                    return html
            elif template_name in INPUT_WRAPPERS or template_name == INPUT:
                return render_input(widget)
            elif template_name == TEXTAREA:
                return render_textarea(widget)
        return super().render(template_name, context, request)

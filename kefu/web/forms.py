"""Form plumbing shared by the console and the portal."""

from __future__ import annotations

from typing import Any

from django import forms

from kefu.lib.errors import Errors, KefuError


def add_kefu_error(form: forms.Form, error: KefuError, aliases: dict[str, str] | None = None) -> None:
    """Show an action's error next to the field it names (or above the form if the form lacks it or
    the field is hidden). ``aliases`` maps an action's field name to the form's (``x_id`` → ``x`` is
    implied)."""
    errors = error.errors if isinstance(error, Errors) else [error]
    for e in errors:
        name = (aliases or {}).get(e.field or "", e.field)
        if name and name.endswith("_id"):
            name = name[:-3]
        visible = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if visible else None, str(e.message))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the cleaned value is a list (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class _RowsIterator(forms.models.ModelChoiceIterator):
    """The choices of a model choice field from rows read before (``choices_from_rows``), not a query."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in _rows(self.field):
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(_rows(self.field)) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(_rows(self.field))


def _rows(field: Any) -> list[Any]:
    return field.choice_rows  # type: ignore[no-any-return]


def choices_from_rows(field: forms.ModelChoiceField[Any], queryset: Any, rows: list[Any]) -> None:
    """Show ``rows`` (e.g. a per-process cached list) as the choices of ``field``; a submitted value is
    still checked against ``queryset`` in the database."""
    field.choice_rows = rows  # type: ignore[attr-defined]
    field.iterator = _RowsIterator
    field.queryset = queryset

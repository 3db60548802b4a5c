"""The Python-built <select> is character for character what Django's select templates render."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kefu.lib.forms_renderer import FastSelectRenderer, render_select

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "甲"), ("b", 'B & "<b>"'), ("", "—")], required=False)
    grouped = forms.ChoiceField(
        choices=[
            ("北", [(1, "城北 1"), (2, "城北 <2>")]),
            ("南", [(3, gettext_lazy("Branch"))]),
            (4, "other"),
        ]
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", mark_safe("<i>Y</i>"))], required=False)
    flagged = forms.ChoiceField(
        choices=[("1", "one"), ("2", "two")],
        widget=forms.Select(attrs={"class": "wide", "data-x": 'q"uote', "disabled": True, "hidden": False}),
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "2", "many": ["x", "y"], "flagged": "2"},
        {"plain": "zzz", "grouped": "9"},  # invalid values: errors and aria-invalid attributes
    ],
)
def test_fast_select_equals_the_templates(data) -> None:  # type: ignore[no-untyped-def]
    fast = Sample(data, renderer=FastSelectRenderer())
    slow = Sample(data, renderer=DjangoTemplates())
    if data is not None:
        fast.is_valid()
        slow.is_valid()
    for name in Sample.base_fields:
        assert str(fast[name]) == str(slow[name]), name
    assert "B &amp; &quot;&lt;b&gt;&quot;" in str(fast["plain"]) and "<i>Y</i>" in str(fast["many"])


def test_other_option_templates_fall_back() -> None:
    widget = {
        "name": "n",
        "attrs": {},
        "optgroups": [(None, [{"template_name": "custom.html", "value": "1", "attrs": {}, "label": "x"}], 0)],
    }
    assert render_select(widget) is None
    assert str(Sample(renderer=FastSelectRenderer())["plain"]).startswith('<select name="plain"')


class Inputs(forms.Form):
    text = forms.CharField(
        max_length=20, help_text="h", widget=forms.TextInput(attrs={"placeholder": 'a "b" <c>'})
    )
    number = forms.IntegerField(min_value=0, required=False)
    decimal = forms.DecimalField(max_digits=5, decimal_places=2, required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput(), required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    at = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}), required=False)
    safe = forms.CharField(required=False, initial=mark_safe("<b>ok</b>"))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": '<script>"x"&', "number": "7", "decimal": "1.50", "email": "a@b.cn", "url": "http://x.cn/?a=1&b=2",
         "secret": "p&w", "hidden": "0", "day": "2026-03-01", "at": "2026-03-01 09:30", "time": "09:30",
         "flag": "on", "notes": "第一行\n<第二行> & \"引号\""},
        {"text": "", "number": "-x", "email": "bad", "day": "2026-02-30", "notes": ""},  # errors: aria-invalid
    ],
)  # fmt: skip
def test_fast_inputs_and_textarea_equal_the_templates(data) -> None:  # type: ignore[no-untyped-def]
    fast = Inputs(data, renderer=FastSelectRenderer())
    slow = Inputs(data, renderer=DjangoTemplates())
    if data is not None:
        fast.is_valid()
        slow.is_valid()
    for name in Inputs.base_fields:
        assert str(fast[name]) == str(slow[name]), name
    if data and data.get("notes"):
        assert "&lt;第二行&gt; &amp; &quot;引号&quot;" in str(fast["notes"])

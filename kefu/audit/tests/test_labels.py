"""Service-log action codes have readable, translated labels; unknown codes are shown as they are."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from kefu.audit.labels import LABELS, label
from kefu.workorders.rules import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]


def test_every_transition_action_has_a_label() -> None:
    for action in set(TRANSITIONS.values()):
        assert f"order.{action}" in LABELS, action


def test_every_literal_code_in_the_actions_has_a_label() -> None:
    """Codes written as literals in audit.record(...) calls anywhere in kefu/ (f-strings are covered above)."""
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit\.record\((.{0,200}?)\)", text, re.S):
            codes |= set(re.findall(r'(?<!f)"([a-z_]+\.[a-z_]+)"', call.group(1)))
    missing = sorted(c for c in codes if c not in LABELS)
    assert not missing, missing


def test_labels_are_translated_and_unknown_codes_pass_through() -> None:
    with translation.override("zh-hans"):
        assert label("order.transfer") == "已转派"
    with translation.override("en"):
        assert label("order.transfer") == "transferred"
    assert label("plugin.something") == "plugin.something"

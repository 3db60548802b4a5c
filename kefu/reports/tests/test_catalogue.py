"""The KPI catalogue (R-31): complete for every KPI and dimension, the same text as docs/kpis.md, and
one rounding rule per unit on every surface (kefu.lib.units). Pure: no database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kefu.lib import units
from kefu.reports import kpis
from kefu.reports.kpis import Dim, Kpi

DOC = (Path(__file__).resolve().parents[3] / "docs" / "kpis.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kpi", list(Kpi))
def test_every_kpi_is_defined_for_every_dimension(kpi: Kpi) -> None:
    d = kpis.DEFS[kpi]
    assert d.numerator and d.denominator and d.empty
    assert {dim for dim, _text in d.scope} == set(Dim)
    assert d.places == 1
    assert d.sign == {Kpi.COMPLAINT_RATE: "‰", Kpi.NPS: ""}.get(kpi, "%")


@pytest.mark.parametrize("kpi", list(Kpi))
def test_the_documentation_says_the_same(kpi: Kpi) -> None:
    d = kpis.DEFS[kpi]
    assert f"| **{d.label}**" in DOC
    assert f"| {d.numerator} | {d.denominator} |" in DOC, kpi


def test_one_rounding_rule_per_unit() -> None:
    # the figures of the issue: the API said 69.16 and −45.45, the pages 69.2 % and −45.5
    assert units.rounded(Decimal("69.1578"), units.Unit.PERCENT) == Decimal("69.2")
    assert units.text(Decimal("-45.45"), units.Unit.POINTS) == "-45.5"  # half away from zero
    assert units.text(69.15, "%") == "69.2%"  # a float is read by its shortest decimal, not its binary
    assert units.text(Decimal(6000) / Decimal(95), "‰") == "63.2‰"
    assert units.text(Decimal("-0.04"), "pt") == "0.0"  # never "-0.0"
    assert units.text(None, "%") == "—"
    assert units.rounded(-0.8575, units.Unit.GAP) == Decimal("-0.86")
    assert kpis.text(Kpi.NPS, Decimal("-45.4545")) == "-45.5"
    assert kpis.shown(Kpi.CSAT, Decimal("69.16")) == Decimal("69.2")


def test_every_empty_reason_is_marked_for_translation() -> None:
    from kefu.reports.views import EMPTY_REASONS

    reasons = {kpis.empty_reason(k, d) for k in Kpi for d in (*Dim, None)}
    assert reasons == set(EMPTY_REASONS)

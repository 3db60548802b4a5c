"""One rounding and formatting rule per unit of a reported figure (docs/kpis.md, "Units and rounding").

Every surface — console pages, CSV/XLSX exports, the REST API and the figures read from closed periods
and snapshots — rounds a figure with :func:`rounded` and writes it with :func:`text`, so the same count
gives the same number everywhere. Pure: no Django, no I/O.

The rule: per cent, per mille and NPS points **one decimal**, SERVQUAL gaps two, half away from zero
(``ROUND_HALF_UP`` on the exact value, never on a float's binary approximation). One decimal because
the denominators behind the figures are small — a branch's month has tens to a few hundred answers, so
one answer moves a rate by several tenths and a second decimal would be noise presented as precision;
the practice reports 满意率 and 投诉率 to one decimal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

NONE_TEXT = "—"


class Unit(StrEnum):
    PERCENT = "%"
    PERMILLE = "‰"  # per 1,000
    POINTS = "pt"  # NPS points, −100 … +100 (shown without a sign)
    GAP = "gap"  # SERVQUAL gap, −6 … +6


PLACES: dict[Unit, int] = {Unit.PERCENT: 1, Unit.PERMILLE: 1, Unit.POINTS: 1, Unit.GAP: 2}
SUFFIX: dict[Unit, str] = {Unit.PERCENT: "%", Unit.PERMILLE: "‰", Unit.POINTS: "", Unit.GAP: ""}


def rounded(v: Decimal | float | int | None, unit: Unit | str) -> Decimal | None:
    """``v`` rounded to the unit's places (half away from zero); None stays None."""
    if v is None:
        return None
    d = v if isinstance(v, Decimal) else Decimal(str(v)) if isinstance(v, float) else Decimal(v)
    return d.quantize(Decimal(1).scaleb(-PLACES[Unit(unit)]), rounding=ROUND_HALF_UP)


def text(v: Decimal | float | int | None, unit: Unit | str, *, suffix: bool = True) -> str:
    """The figure as shown: rounded, with its unit sign (``%``, ``‰``); "—" when there is no value."""
    r = rounded(v, unit)
    if r is None:
        return NONE_TEXT
    if r == 0:
        r = abs(r)  # never "-0.0"
    return f"{r}{SUFFIX[Unit(unit)] if suffix else ''}"

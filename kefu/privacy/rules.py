"""Pure rules of personal information protection (docs/privacy.md): the capabilities, the fields that can be
revealed, the reasons for a reveal, and the unusual-access rule. No Django, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# capabilities (kefu.organization.rules.CAPABILITIES grants them per role)
UNMASKED = (
    "personal.unmasked"  # sees phone, e-mail, address, ID card in full everywhere (lists, API, exports)
)
REVEAL = "personal.reveal"  # may reveal one field of one customer on an order or customer page, with a reason
EXPORT = "personal.export"  # may export lists holding personal data (each export is recorded)
AUDIT = "privacy.access_records"  # reads the access records of a customer and the unusual-access report


class Kind(StrEnum):
    """What an access record records."""

    VIEW = "view"  # the customer's archive page was opened
    REVEAL = "reveal"  # one masked field was shown in full
    EXPORT = "export"  # a list holding personal data was exported
    API = "api"  # the API answered with a customer's personal fields


class Reason(StrEnum):
    """Why a field is revealed: a short fixed list (``other`` needs a text)."""

    CALL_BACK = "call_back"
    SITE_VISIT = "site_visit"
    VERIFY_IDENTITY = "verify_identity"
    COMPLAINT = "complaint"
    OTHER = "other"


# the fields of a customer that can be revealed, and how each is masked (kefu.lib.masking kinds)
REVEALABLE: dict[str, str] = {"phone": "phone", "email": "email", "address": "address"}

REASON_TEXT_MAX = 200


def check_reason(reason: str, text: str) -> str | None:
    """None when ``reason`` (with ``text``) is acceptable, else the error code: ``reason`` (not on the list)
    or ``reason_text`` (``other`` without a text, or a text too long)."""
    try:
        r = Reason(reason)
    except ValueError:
        return "reason"
    if r is Reason.OTHER and not text.strip():
        return "reason_text"
    if len(text) > REASON_TEXT_MAX:
        return "reason_text"
    return None


@dataclass(frozen=True)
class Opening:
    """One staff member's access to one customer (from the access records of a day)."""

    staff_id: int
    customer_id: int
    customer_branch_id: int | None
    customer_area_id: int | None


@dataclass(frozen=True)
class Home:
    """Where a staff member works: their branch (None: company-level, every branch) and their areas."""

    branch_id: int | None
    area_ids: frozenset[int]


def is_outside(o: Opening, home: Home) -> bool:
    """Whether the customer lies outside the staff member's branch, or, for staff responsible for service
    areas, outside their areas. Company-level staff without areas have no outside."""
    if home.branch_id is not None and o.customer_branch_id != home.branch_id:
        return True
    return bool(home.area_ids) and o.customer_area_id not in home.area_ids


def unusual(openings: Iterable[Opening], homes: dict[int, Home], threshold: int) -> dict[int, int]:
    """Staff id → the number of distinct customers outside their area they opened, for those who reached
    ``threshold`` (one customer counts once however often it was opened)."""
    outside: dict[int, set[int]] = defaultdict(set)
    for o in openings:
        home = homes.get(o.staff_id)
        if home is not None and is_outside(o, home):
            outside[o.staff_id].add(o.customer_id)
    return {sid: len(cs) for sid, cs in outside.items() if len(cs) >= max(1, threshold)}

"""Which role and branch a directory's groups give a staff member (pure; docs/sso.md, "Groups → role and branch").

The mapping rows of a source are read in their order: the first matched row with a role gives the role, the
first matched row with a branch gives the branch. Without a branch the member is company-level staff only if a
matched row says so; otherwise (or without a role) the sign-in is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MappingRow:
    group: str  # normalized (see normalize_group)
    role: str  # "" when the row gives no role
    branch_id: int | None
    company_level: bool = False


@dataclass(frozen=True)
class Outcome:
    role: str | None
    branch_id: int | None
    company_level: bool
    matched: tuple[str, ...]
    refusal: str  # "" when the member may sign in; else "no_role" or "no_branch"


def normalize_group(value: str) -> str:
    """Groups compare case-insensitively; an LDAP DN's blanks around ``,`` and ``=`` do not count."""
    text = re.sub(r"\s*([,=])\s*", r"\1", value.strip())
    return text.lower()


def resolve(rows: Sequence[MappingRow], member_of: Iterable[str]) -> Outcome:
    groups = {normalize_group(g) for g in member_of}
    matched = [row for row in rows if row.group in groups]
    role = next((row.role for row in matched if row.role), None)
    branch_id = next((row.branch_id for row in matched if row.branch_id is not None), None)
    company_level = branch_id is None and any(row.company_level for row in matched)
    refusal = ""
    if role is None:
        refusal = "no_role"
    elif branch_id is None and not company_level:
        refusal = "no_branch"
    return Outcome(
        role=role,
        branch_id=branch_id,
        company_level=company_level,
        matched=tuple(dict.fromkeys(row.group for row in matched)),
        refusal=refusal,
    )

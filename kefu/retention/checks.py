"""What ``kefu check`` says about the retention table (kefu/checks.py)."""

from __future__ import annotations

from django.db import DatabaseError
from django.utils import translation

from kefu.retention import actions


def check_retention() -> list[tuple[str, str]]:
    """Warnings: a kind of personal data kept for ever (0 days), a period shorter than the legal minimum.
    (A kind without a handler, such as access records before the privacy app is installed, is shown as
    such on the page: there is nothing of it to delete.)"""
    try:
        rows = actions.periods()
    except DatabaseError:  # tables not there yet: check_database reports the pending migrations
        return []
    problems: list[tuple[str, str]] = []
    page = "set it on the console page Administration → Data retention (/retention/)"
    for r in rows:
        with translation.override("en"):  # operator messages are in English, like the other checks
            code, name = r.kind.code, str(r.kind.label)
        if r.days == 0 and r.kind.warn_forever:
            problems.append(("warning", f"retention: {code} ({name}) is kept for ever (0 days); {page}"))
        if r.below_minimum:
            problems.append(
                (
                    "warning",
                    f"retention: {code} ({name}) is kept {r.days} days, less than the legal minimum of "
                    f"{r.kind.legal_minimum_days} days ({r.kind.legal_basis}); {page}",
                )
            )
    return problems

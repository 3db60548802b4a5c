"""Every message of the catalogs is translated (Simplified Chinese is the first language, Hungarian follows;
Traditional Chinese is derived from Simplified by scripts/i18n_update.py)."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "kefu" / "locale"


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "hu"])
def test_catalog_is_complete(lang: str) -> None:
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    missing = [
        e.msgid
        for e in po
        if not e.obsolete and ("fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values())))
    ]
    assert len(po) > 2000
    assert missing == [], f"{len(missing)} messages of {lang} untranslated or fuzzy, e.g. {missing[:5]}"


def _entries(lang: str) -> dict[tuple[str | None, str], polib.POEntry]:
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    return {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}


def test_traditional_chinese_reads_as_taiwan_usage() -> None:
    """zh_Hant is OpenCC s2twp plus the service-desk terms of scripts/i18n_update.py, never the variants a
    character-level conversion leaves (爲, 纔) nor the software words s2twp picks where a service desk means
    something else (專案 for a catalogue item, 型別 for a kind, 釋出 for publishing)."""
    import sys

    sys.path.insert(0, str(LOCALE.parents[1] / "scripts"))
    from i18n_update import TAIWAN_TERMS

    entries = _entries("zh_Hant")
    texts = [t for e in entries.values() for t in [e.msgstr, *e.msgstr_plural.values()] if t]
    for wrong in ["爲", "纔", "裏", "綫", *(w for w, _ in TAIWAN_TERMS)]:
        found = [t for t in texts if wrong in t]
        assert found == [], f"{wrong!r} in {len(found)} zh_Hant messages, e.g. {found[:3]}"
    assert entries[(None, "Customers")].msgstr == "客戶"
    assert entries[(None, "Log out")].msgstr == "登出"
    assert entries[(None, "Search orders")].msgstr == "搜尋工單"
    assert entries[(None, "Quality")].msgstr == "服務品質"


# The most visible strings (the top bar, the login, an order's status, priority and kind), reviewed by hand
# for Taiwan usage: scripts/i18n_update.py never overwrites them (no "opencc" mark).
REVIEWED = [
    "Administration", "Back office", "Business calendar", "Call-backs", "Channel health", "Complaints",
    "Customer", "Customers", "Data retention", "E-mail", "Emergency keywords", "Escalations", "Follow-up",
    "Inspections and training", "Kefu", "Kefu customer service", "Knowledge", "Language", "Log in", "Log out",
    "Maintenance", "My assessment", "My queue", "My responsibilities", "Password", "Phone", "Priority",
    "Quality", "Quality and supervision", "Reports", "Resolved", "Search", "Search orders",
    "Service disclosure", "Service recovery", "Standards", "Status", "Supervision", "Switch", "Team queue",
    "Unusual access", "Username", "Work", "awaiting materials", "closed", "complaint", "fault (general)",
    "high", "in progress", "inquiry", "low", "new", "normal", "pending customer", "reopened", "resolved",
    "urgent",
]  # fmt: skip


def test_the_most_visible_traditional_strings_are_reviewed_by_hand() -> None:
    entries = _entries("zh_Hant")
    machine = [m for m in REVIEWED if "opencc" in (entries[(None, m)].tcomment or "")]
    assert len(REVIEWED) >= 50
    assert machine == []
    assert entries[(None, "Team queue")].msgstr == "團隊待辦"  # a reviewer's choice, not a conversion


def test_hungarian_says_telefon_for_the_phone_channel() -> None:
    entries = _entries("hu")
    assert entries[("channel", "phone")].msgstr == "telefon"  # the channel: a call
    assert entries[(None, "phone")].msgstr == "telefonszám"  # the field: a number

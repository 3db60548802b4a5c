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

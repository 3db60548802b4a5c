"""Compile the translation catalogs (.po → .mo) without needing GNU gettext on the machine.

Run by the install script (`python -m kefu.i18n`); compiled .mo files are build products, not committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``*.po`` under ``locale_dir`` whose ``.mo`` is missing or older. Returns what was built."""
    built: list[Path] = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = polib.pofile(str(po_path))
        catalog.save_as_mofile(str(mo_path))
        built.append(mo_path)
    return built


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path.relative_to(LOCALE_DIR.parent.parent)}", file=sys.stderr)

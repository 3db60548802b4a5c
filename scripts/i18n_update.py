"""Developer tool: refresh the translation catalogs after strings changed.

    .venv/bin/python scripts/i18n_update.py

1. runs `makemessages` for zh_Hans, zh_Hant, en and hu (needs GNU gettext's xgettext);
2. fills every zh_Hant entry that is empty or was machine-derived before from the zh_Hans translation,
   converted with OpenCC (s2t), and marks it with the translator comment "opencc" so a human translation
   (without that comment) is never overwritten;
3. compiles the catalogs (python -m kefu.i18n).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import opencc
import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "kefu" / "locale"
MARK = "opencc"


def makemessages() -> None:
    LOCALE.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "--no-obsolete",
            "-l",
            "zh_Hans",
            "-l",
            "zh_Hant",
            "-l",
            "en",
            "-l",
            "hu",
            "--ignore=.venv/*",
            "--ignore=tests/*",
            "--ignore=bench/*",
            "--ignore=*/tests/*",
            "--ignore=testing/*",
        ],
        cwd=ROOT / "kefu",
        check=True,
    )


def derive_traditional() -> int:
    simplified = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    hans = {(e.msgctxt, e.msgid): e for e in simplified if e.translated()}
    target_path = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"
    traditional = polib.pofile(str(target_path))
    convert = opencc.OpenCC("s2t").convert
    changed = 0
    for entry in traditional:
        source = hans.get((entry.msgctxt, entry.msgid))
        human = entry.translated() and MARK not in (entry.tcomment or "")
        if source is None or human:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {k: convert(v) for k, v in source.msgstr_plural.items()}
        else:
            entry.msgstr = convert(source.msgstr)
        entry.tcomment = MARK
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        changed += 1
    traditional.save()
    return changed


if __name__ == "__main__":
    makemessages()
    print(f"zh_Hant: {derive_traditional()} entries derived from zh_Hans")
    subprocess.run([sys.executable, "-m", "kefu.i18n"], cwd=ROOT, check=True)

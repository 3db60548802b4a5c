"""Developer tool: refresh the translation catalogs after strings changed.

    .venv/bin/python scripts/i18n_update.py

1. runs `makemessages` for zh_Hans, zh_Hant, en and hu (needs GNU gettext's xgettext);
2. fills every zh_Hant entry that is empty or was machine-derived before from the zh_Hans translation,
   converted with OpenCC (s2twp: Taiwan usage, phrase by phrase), and marks it with the translator comment "opencc" so a human translation
   (without that comment) is never overwritten;
3. compiles the catalogs (python -m kefu.i18n).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import opencc
import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "kefu" / "locale"
MARK = "opencc"
# Where OpenCC's Taiwan phrase table (written for software texts) picks a word that is wrong in a service desk,
# or where Taiwan says it another way than the character-level conversion: applied after s2twp, in this order.
TAIWAN_TERMS = (
    ("專案", "項目"),  # 服務項目, 收費項目: an item of the catalogue, not a "project"
    ("型別", "類型"),  # 客戶類型: a kind of customer, not a programming "type"
    ("釋出", "發布"),  # publishing a notice, not a software release
    ("回撥", "回電"),  # calling a customer back
    ("響應", "回應"),  # first response
    ("渠道", "管道"),  # contact channels
    ("文本", "文字"),
    ("演示", "示範"),  # demo data
    ("賬", "帳"),  # 帳號, 結帳
    ("帖子", "貼文"),
    ("郵箱", "信箱"),
    ("質量", "品質"),  # 服務品質
    ("異常訪問", "異常存取"),  # access to personal data
    ("訪問記錄", "存取紀錄"),
    ("訪問人", "存取人"),
    ("後臺", "後台"),
    ("退出登入", "登出"),
    ("執行狀況", "運作狀況"),  # a channel's health, not a program's run
    ("儲存期限", "保存期限"),  # retention, not "saving"
)


def to_taiwan(text: str, convert: Callable[[str], str]) -> str:
    """zh-Hans → zh-Hant as read in Taiwan: OpenCC s2twp, then the service-desk terms above."""
    text = convert(text)
    for wrong, right in TAIWAN_TERMS:
        text = text.replace(wrong, right)
    return text


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
    s2twp = opencc.OpenCC("s2twp").convert

    def convert(text: str) -> str:
        return to_taiwan(text, s2twp)

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

"""Check that this environment holds exactly the versions of a lock file (scripts/install runs it).

Usage: python scripts/lock_check.py requirements/test.txt
Exit status 1 lists every locked package that is missing or installed at another version.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import Marker
except ImportError:  # the app's own lock need not contain packaging; pip always carries it
    from pip._vendor.packaging.markers import Marker

_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    """Package → version for every line of the lock whose environment marker applies here."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        name, version, marker = m.groups()
        if marker and not Marker(marker).evaluate():
            continue
        out[_norm(name)] = version
    return out


def installed() -> dict[str, str]:
    return {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "requirements/test.txt")
    want, have = locked(path), installed()
    wrong = [
        f"{n}: locked {v}, installed {have.get(n, 'nothing')}"
        for n, v in sorted(want.items())
        if have.get(n) != v
    ]
    if wrong:
        print(f"The environment does not match {path}:", *wrong, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

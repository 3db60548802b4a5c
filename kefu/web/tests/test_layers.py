"""The layering kefu/web relies on: it is foundation, and the feature apps do not import the console."""

from __future__ import annotations

import ast
from pathlib import Path

KEFU = Path(__file__).resolve().parents[2]
KNOWN: set[tuple[str, str]] = set()  # exceptions to the rule; none


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _sources(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def test_web_imports_only_django_errors_organization_and_audit() -> None:
    allowed = ("kefu.web", "kefu.lib.errors", "kefu.organization", "kefu.audit")
    found = {
        (p.name, m)
        for p in _sources(KEFU / "web")
        for m in _imports(p)
        if m.startswith("kefu.") and not m.startswith(allowed)
    }
    assert found == set()


def test_only_the_url_root_imports_the_console() -> None:
    found = {
        (str(p.relative_to(KEFU)), m)
        for p in _sources(KEFU)
        if "console" not in p.relative_to(KEFU).parts[:1]
        for m in _imports(p)
        if m == "kefu.console" or m.startswith("kefu.console.")
    }
    assert found == {("urls.py", "kefu.console"), *KNOWN}

"""Imports of Kefu's own modules sit at the top of the module. The few places that must import inside a
function are listed in docs/adr/0005-layer-contract.md ("Imports inside functions"); anything else fails
here, so a function-level import that hides a cycle cannot come back unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

KEFU = Path(__file__).resolve().parents[1] / "kefu"

# every app's apps.py: AppConfig.ready(), where Django has loaded every model
# other paths (relative to kefu/) → why they import inside functions (see the ADR)
ALLOWED = {
    "cli/__init__.py": "the command line sets Django up before it imports what touches models",
    "cli/imports.py": "the import command, the same",
    "checks.py": "`kefu check` reports configuration problems before the database part runs",
    "live/__init__.py": "kefu.live is imported by the lowest layers; its model loads on first use",
    "live/bus.py": "the bus and the hub of one process know each other (the bus wakes the local hub)",
    "live/hub.py": "the same, in the other direction",
    "console/models.py": "the session table names its session engine, which Django loads by dotted path",
    "console/sessions.py": "the session engine, its table and the sign-in backend that reads the session's user",
}


def function_level_imports(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in f"/{rel}":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top: set[int] = set()
        for stmt in tree.body:
            subs: list[ast.AST] = list(ast.walk(stmt)) if isinstance(stmt, ast.If | ast.Try) else [stmt]
            top.update(id(sub) for sub in subs)
        for node in ast.walk(tree):
            if id(node) in top:
                continue
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("kefu")
            ):
                found.append(f"{rel}:{node.lineno} {node.module}")
            elif isinstance(node, ast.Import) and any(a.name.startswith("kefu") for a in node.names):
                found.append(f"{rel}:{node.lineno} {node.names[0].name}")
    return found


def allowed(entry: str) -> bool:
    rel = entry.split(":", 1)[0]
    return rel in ALLOWED or rel.endswith("/apps.py")


def test_kefu_imports_are_at_the_top_of_the_module_except_where_the_adr_says() -> None:
    assert [e for e in function_level_imports(KEFU) if not allowed(e)] == []


def test_the_check_finds_a_function_level_import(tmp_path: Path) -> None:
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "actions.py").write_text("def f():\n    from kefu.lib import errors\n    return errors\n")
    (pkg / "apps.py").write_text("def ready():\n    from kefu.workorders import hooks\n")
    found = function_level_imports(tmp_path)
    assert found == ["app/actions.py:2 kefu.lib", "app/apps.py:2 kefu.workorders"]
    assert [e for e in found if not allowed(e)] == ["app/actions.py:2 kefu.lib"]

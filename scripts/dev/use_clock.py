#!/usr/bin/env python3
"""Make product code read the present from kefu.lib.clock instead of django.utils.timezone.

    .venv/bin/python scripts/dev/use_clock.py [--check] [FILE_OR_DIR ...]   (default: kefu/)

Rewrites, in kefu/ except tests/, migrations/ and kefu/lib/clock.py itself:

* ``timezone.now()``       -> ``clock.now()``
* ``timezone.localdate()`` -> ``clock.localdate()``   (only the calls without arguments)

adds ``from kefu.lib import clock`` (``... import clock as lib_clock`` where the module binds the name
``clock`` itself, e.g. a local variable for an OrderClock) and drops ``from django.utils import timezone``
when nothing else uses it; other uses of ``timezone`` (localtime, make_aware, ...) are kept. The imports
are then sorted and the files formatted with ruff.

Left alone on purpose, and listed as warnings for a person to look at:

* ``timezone.now`` passed as a callable (model field ``default=timezone.now``: the migrations name it);
* calls evaluated once at import time (module level, class bodies, default argument values,
  decorators): they would not follow the clock anyway.

Idempotent: a second run changes nothing. ``--check`` changes nothing and exits 1 if a file would change.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOCK_MODULE = "kefu.lib"
CLOCK_NAME = "clock"
ALIAS_IF_TAKEN = "lib_clock"
FUNCTIONS = {"now", "localdate"}
SKIP_PARTS = {"tests", "migrations"}
SKIP_FILES = {ROOT / "kefu" / "lib" / "clock.py"}


@dataclass
class Result:
    path: Path
    source: str
    new_source: str
    warnings: list[str] = field(default_factory=list)


def timezone_aliases(tree: ast.AST) -> set[str]:
    """The names under which the module knows django.utils.timezone."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils" and node.level == 0:
            names |= {a.asname or a.name for a in node.names if a.name == "timezone"}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name == "django.utils.timezone" and a.asname}
    if "timezone" not in names and not binds(tree, "timezone"):
        # a merge can bring back a call to a module whose timezone import was already swept away
        names.add("timezone")
    return names


def existing_clock_name(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == CLOCK_MODULE and node.level == 0:
            for a in node.names:
                if a.name == CLOCK_NAME:
                    return a.asname or a.name
    return None


def binds(tree: ast.AST, name: str) -> bool:
    """Does the module bind ``name`` anywhere (variable, argument, function, class, import, ...)?"""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del) and node.id == name:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
            return True
        if isinstance(node, ast.ExceptHandler) and node.name == name:
            return True
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            return True
    return False


class Finder(ast.NodeVisitor):
    """Calls ``<alias>.now()`` / ``<alias>.localdate()``, split into run-time and import-time ones."""

    def __init__(self, aliases: set[str]) -> None:
        self.aliases = aliases
        self.in_function = False
        self.calls: list[ast.Call] = []
        self.import_time: list[ast.AST] = []
        self.references: list[ast.Attribute] = []

    def _is_target(self, node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.aliases
            and node.attr in FUNCTIONS
        )

    def visit_Call(self, node: ast.Call) -> None:
        if self._is_target(node.func):
            if node.args or node.keywords:
                pass  # localdate(value) / localdate(timezone=...) are about another moment or zone
            elif self.in_function:
                self.calls.append(node)
            else:
                self.import_time.append(node)
            for child in [*node.args, *node.keywords]:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._is_target(node):
            self.references.append(node)  # not called here: passed as a callable
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        # decorators, defaults and annotations are evaluated where the function is defined
        outer = self.in_function
        for d in getattr(node, "decorator_list", []):
            self.visit(d)
        self.visit(node.args)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)  # type: ignore[arg-type]
        self.in_function = True
        body = node.body if isinstance(node.body, list) else [node.body]
        for stmt in body:
            self.visit(stmt)
        self.in_function = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.in_function
        self.in_function = False  # a class body runs when the class is defined (methods reset this)
        self.generic_visit(node)
        self.in_function = outer


def offsets(source: str) -> list[int]:
    """Character offset of the start of each line (1-based line numbers -> index lineno-1)."""
    starts, total = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    starts.append(total)
    return starts


def span(source: str, starts: list[int], node: ast.AST) -> tuple[int, int]:
    # ast columns are UTF-8 byte offsets: convert them on the line
    def char(lineno: int, col: int) -> int:
        line = source[starts[lineno - 1] : starts[lineno]]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))

    return char(node.lineno, node.col_offset), char(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined, arg-type]


def functions_of(tree: ast.AST) -> dict[ast.AST, ast.AST | None]:
    """Each node -> the innermost function around it (None at module or class level)."""
    owner: dict[ast.AST, ast.AST | None] = {}

    def walk(node: ast.AST, function: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = function
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            walk(child, inner)

    walk(tree, None)
    return owner


def is_timezone_import(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and node.module == "django.utils"
        and node.level == 0
        and any(a.name == "timezone" for a in node.names)
    )


def rewrite(path: Path) -> Result:
    source = path.read_text(encoding="utf-8")
    result = Result(path, source, source)
    tree = ast.parse(source)
    aliases = timezone_aliases(tree)
    if not aliases:
        return result
    finder = Finder(aliases)
    finder.visit(tree)
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in finder.import_time:
        result.warnings.append(f"{rel}:{node.lineno}: evaluated at import time, left alone")  # type: ignore[attr-defined]
    for ref in finder.references:
        result.warnings.append(f"{rel}:{ref.lineno}: {ast.unparse(ref)} used as a callable, left alone")
    if not finder.calls:
        return result
    clock = existing_clock_name(tree)
    add_import = clock is None
    if clock is None:
        clock = ALIAS_IF_TAKEN if binds(tree, CLOCK_NAME) else CLOCK_NAME
        if binds(tree, clock):
            raise SystemExit(f"{rel}: both {CLOCK_NAME!r} and {ALIAS_IF_TAKEN!r} are taken; edit by hand")
    starts = offsets(source)
    edits = []
    for call in finder.calls:
        begin, end = span(source, starts, call)
        edits.append((begin, end, f"{clock}.{call.func.attr}()"))  # type: ignore[attr-defined]
    owner = functions_of(tree)
    imports = [n for n in ast.walk(tree) if is_timezone_import(n)]
    if add_import and imports and all(owner[n] is not None for n in imports):
        # timezone is only imported inside functions (a module that defers Django imports, like the
        # CLI): import the clock next to it, in each function that had a call rewritten
        line = import_line(clock)
        functions = {owner[c] for c in finder.calls}
        for node in imports:
            if owner[node] in functions:
                at = starts[node.end_lineno]  # type: ignore[index]
                edits.append((at, at, " " * node.col_offset + line + "\n"))
        add_import = False
    text = apply(source, edits)
    if add_import:
        text = add_clock_import(text, clock)
    text = drop_unused_timezone(text)
    try:
        ast.parse(text)
    except SyntaxError as exc:
        raise SystemExit(f"{rel}: the rewrite would not parse ({exc}); edit by hand") from exc
    result.new_source = text
    return result


def import_line(name: str) -> str:
    return f"from {CLOCK_MODULE} import {CLOCK_NAME}" + (f" as {name}" if name != CLOCK_NAME else "")


def apply(source: str, edits: list[tuple[int, int, str]]) -> str:
    for begin, end, new in sorted(edits, reverse=True):
        source = source[:begin] + new + source[end:]
    return source


def add_clock_import(source: str, name: str) -> str:
    tree = ast.parse(source)
    line = import_line(name)
    after = 0  # insert after the last top-level import (ruff sorts it into place), else the docstring
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or isinstance(node, ast.Import | ast.ImportFrom):
            after = node.end_lineno or node.lineno
    lines = source.splitlines(keepends=True)
    lines.insert(after, line + "\n")
    return "".join(lines)


def drop_unused_timezone(source: str) -> str:
    tree = ast.parse(source)
    owner = functions_of(tree)
    starts = offsets(source)
    edits = []
    for node in ast.walk(tree):
        if not is_timezone_import(node):
            continue
        scope = owner[node] or tree  # an import inside a function is used (or not) in that function
        used = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        keep = [a for a in node.names if not (a.name == "timezone" and (a.asname or a.name) not in used)]
        if len(keep) == len(node.names):
            continue
        begin, end = span(source, starts, node)
        if keep:
            names = ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in keep)
            edits.append((begin, end, f"from django.utils import {names}"))
        else:
            # the whole statement goes, with its line if it stands alone
            line_start = starts[node.lineno - 1]
            line_end = starts[node.end_lineno]  # type: ignore[index]
            whole = source[line_start:begin].strip() == "" and source[end:line_end].strip() == ""
            edits.append((line_start, line_end, "") if whole else (begin, end, "pass"))
    return apply(source, edits)


def targets(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in paths or [str(ROOT / "kefu")]:
        path = Path(p).resolve()
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            if SKIP_PARTS & set(f.relative_to(ROOT).parts[:-1]) or f in SKIP_FILES:
                continue
            found.append(f)
    return found


def ruff(args: list[str], files: list[Path]) -> None:
    subprocess.run([sys.executable, "-m", "ruff", *args, *[str(f) for f in files]], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", help="files or directories (default: kefu/)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    changed: list[Path] = []
    for path in targets(args.paths):
        result = rewrite(path)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if result.new_source != result.source:
            changed.append(path)
            if not args.check:
                path.write_text(result.new_source, encoding="utf-8")
    for path in changed:
        print(f"{'would rewrite' if args.check else 'rewrote'} {path.relative_to(ROOT)}")
    if changed and not args.check:
        ruff(["check", "--quiet", "--fix", "--select", "I001"], changed)
        ruff(["format", "--quiet"], changed)
    print(f"{len(changed)} file(s) {'to change' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())

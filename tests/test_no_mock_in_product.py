"""Product code never patches itself: no module of kefu/ (outside tests and kefu/testing) imports
unittest.mock. A simulated present is kefu.lib.clock.simulated(); deferred work has an explicit API."""

from __future__ import annotations

import ast
from pathlib import Path

KEFU = Path(__file__).resolve().parents[1] / "kefu"
ALLOWED = {"tests", "testing"}


def mock_imports(source: str) -> list[int]:
    """Line numbers that import unittest.mock (or the mock backport) in any spelling."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            if any(a.name in ("unittest.mock", "mock") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module in ("unittest.mock", "mock") or (
                node.module == "unittest" and any(a.name == "mock" for a in node.names)
            ):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in ("unittest.mock", "mock")
        ):
            lines.append(node.lineno)  # importlib.import_module("unittest.mock"), __import__(...)
    return lines


def test_the_check_finds_every_spelling() -> None:
    assert mock_imports("from unittest import mock") == [1]
    assert mock_imports("import os\nfrom unittest.mock import patch") == [2]
    assert mock_imports("import unittest.mock as m") == [1]
    assert mock_imports("import importlib\nimportlib.import_module('unittest.mock')") == [2]
    assert mock_imports("from unittest import TestCase\nimport mocker") == []


def test_no_product_module_imports_unittest_mock() -> None:
    offenders = []
    checked = 0
    for path in sorted(KEFU.rglob("*.py")):
        rel = path.relative_to(KEFU)
        if ALLOWED & set(rel.parts[:-1]):
            continue
        checked += 1
        offenders += [f"kefu/{rel}:{line}" for line in mock_imports(path.read_text(encoding="utf-8"))]
    assert checked > 200  # the walk really saw the product
    assert offenders == []

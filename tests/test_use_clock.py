"""scripts/dev/use_clock.py: the sweep timezone.now()/localdate() -> kefu.lib.clock (re-run after merges)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dev" / "use_clock.py"


@pytest.fixture(scope="module")
def use_clock():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("use_clock", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["use_clock"] = module
    spec.loader.exec_module(module)
    return module


def sweep(use_clock, tmp_path: Path, source: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    result = use_clock.rewrite(path)
    path.write_text(result.new_source, encoding="utf-8")
    again = use_clock.rewrite(path)
    assert again.new_source == result.new_source  # idempotent
    return result.new_source, result.warnings


def test_calls_are_rewritten_and_the_unused_import_dropped(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, warnings = sweep(
        use_clock,
        tmp_path,
        '"""Doc."""\n\nimport datetime as dt\n\nfrom django.utils import timezone\n\n\n'
        "def f() -> dt.date:\n    started = timezone.now()\n    return timezone.localdate()\n",
    )
    assert new == (
        '"""Doc."""\n\nimport datetime as dt\n\nfrom kefu.lib import clock\n\n\n'
        "def f() -> dt.date:\n    started = clock.now()\n    return clock.localdate()\n"
    )
    assert warnings == []


def test_other_timezone_uses_keep_the_import(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, _ = sweep(
        use_clock,
        tmp_path,
        "from django.utils import timezone, translation\n\n\n"
        "def f(x):\n    return timezone.localtime(x), timezone.localdate(x), timezone.now()\n",
    )
    assert new == (
        "from django.utils import timezone, translation\nfrom kefu.lib import clock\n\n\n"
        "def f(x):\n    return timezone.localtime(x), timezone.localdate(x), clock.now()\n"
    )


def test_a_shared_import_line_keeps_the_other_names(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, _ = sweep(
        use_clock,
        tmp_path,
        "from django.utils import timezone, translation\n\n\ndef f():\n    return timezone.now(), translation\n",
    )
    assert new == (
        "from django.utils import translation\nfrom kefu.lib import clock\n\n\n"
        "def f():\n    return clock.now(), translation\n"
    )


def test_a_module_that_uses_the_name_clock_gets_an_alias(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, _ = sweep(
        use_clock,
        tmp_path,
        "from django.utils import timezone as tz\n\n\n"
        "def f(order):\n    clock = order.clock\n    return clock.due < tz.now()\n",
    )
    assert new == (
        "from kefu.lib import clock as lib_clock\n\n\n"
        "def f(order):\n    clock = order.clock\n    return clock.due < lib_clock.now()\n"
    )


def test_import_time_calls_and_callables_are_left_alone_with_a_warning(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = (
        "from django.db import models\nfrom django.utils import timezone\n\n"
        "STARTED = timezone.now()\n\n\n"
        "class Visit(models.Model):\n    at = models.DateTimeField(default=timezone.now)\n\n\n"
        "def f(today=timezone.localdate()):\n    return today\n"
    )
    new, warnings = sweep(use_clock, tmp_path, source)
    assert new == source
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "evaluated at import time, left alone",
        "evaluated at import time, left alone",
        "timezone.now used as a callable, left alone",
    ]
    assert [int(w.split(":")[1]) for w in warnings] == [4, 11, 8]


def test_a_function_local_import_gets_a_function_local_clock(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, _ = sweep(
        use_clock,
        tmp_path,
        "import os\n\n\ndef f():\n    from django.utils import timezone\n\n    return timezone.localdate()\n\n\n"
        "def g():\n    from django.utils import timezone\n\n    return timezone.localtime(timezone.now())\n",
    )
    assert new == (
        "import os\n\n\ndef f():\n    from kefu.lib import clock\n\n    return clock.localdate()\n\n\n"
        "def g():\n    from django.utils import timezone\n    from kefu.lib import clock\n\n"
        "    return timezone.localtime(clock.now())\n"
    )


def test_a_call_left_by_a_merge_without_its_import_is_rewritten(use_clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    new, _ = sweep(
        use_clock,
        tmp_path,
        "from kefu.lib import clock\n\n\ndef f(today=None):\n    return today or timezone.localdate(), clock.now()\n",
    )
    assert new == (
        "from kefu.lib import clock\n\n\ndef f(today=None):\n    return today or clock.localdate(), clock.now()\n"
    )


def test_product_code_is_swept(use_clock) -> None:  # type: ignore[no-untyped-def]
    """Product code reads the present from kefu.lib.clock (so the demo can play history); after a merge
    that brought new timezone.now() calls, run `.venv/bin/python scripts/dev/use_clock.py`."""
    left = [
        str(path.relative_to(use_clock.ROOT))
        for path in use_clock.targets([])
        if (result := use_clock.rewrite(path)).new_source != result.source
    ]
    assert left == []

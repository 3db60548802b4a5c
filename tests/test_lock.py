"""The lock files say what scripts/install installs: they cover pyproject.toml and are checked exactly."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _lock_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_check", ROOT / "scripts" / "lock_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names(requirements: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]).lower() for r in requirements}


def _pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s|;|$)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


def test_every_dependency_of_pyproject_is_locked_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base, test = _pinned(ROOT / "requirements/base.txt"), _pinned(ROOT / "requirements/test.txt")
    missing_base = _names(project["dependencies"]) - set(base)
    missing_test = _names(project["dependencies"] + project["optional-dependencies"]["test"]) - set(test)
    assert not missing_base, f"run scripts/lock: not in requirements/base.txt: {sorted(missing_base)}"
    assert not missing_test, f"run scripts/lock: not in requirements/test.txt: {sorted(missing_test)}"
    assert "setuptools" in base  # the build tool is locked too (installs build without isolation)
    # one version of each package in both files, and every pin carries at least one hash
    assert {n: v for n, v in base.items() if test.get(n) != v} == {}
    for path in ("requirements/base.txt", "requirements/test.txt"):
        text = (ROOT / path).read_text()
        assert text.count("==") <= text.count("--hash=sha256:"), path


def test_lock_check_evaluates_markers_and_reports_a_wrong_version(tmp_path: Path) -> None:
    lock_check = _lock_check()
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "django==5.2.0 \\\n    --hash=sha256:00\n"
        "colorama==0.4.6 ; sys_platform == 'nonexistent-os' \\\n    --hash=sha256:11\n"
        "uvloop==0.23.0 ; sys_platform != 'nonexistent-os' \\\n    --hash=sha256:22\n"
    )
    assert lock_check.locked(lock) == {"django": "5.2.0", "uvloop": "0.23.0"}
    import django

    installed = django.__version__
    lock.write_text(f"Django=={installed} \\\n    --hash=sha256:00\n")
    assert lock_check.main(["lock_check", str(lock)]) == 0
    lock.write_text("Django==1.0.0 \\\n    --hash=sha256:00\nno-such-package-kefu==1.0 \\\n")
    assert lock_check.main(["lock_check", str(lock)]) == 1

"""Tests that run programs: the ``kefu`` command in a fresh process, openssl, a free local port.

done = run(kefu_command("check"), env=kefu_env(tmp_path / "data"))
assert done.returncode == 1 and "not applied" in done.stdout
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout (manage.py, pyproject.toml)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_port_pair() -> int:
    """A port on 127.0.0.1 that is free together with the next one (`kefu serve` listens on both: the pages
    and the event streams)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free neighbouring ports on 127.0.0.1")


def kefu_command(*args: str) -> list[str]:
    """``kefu ARGS`` run by this interpreter (the checkout's virtual environment)."""
    return [sys.executable, "-m", "kefu.cli", *args]


def kefu_env(data_dir: Path) -> dict[str, str]:
    """This process's environment for a ``kefu`` child with its own data directory: the embedded
    SQLite database there (no ``DATABASE_URL``) and the settings module the command chooses."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["KEFU_DATA_DIR"] = str(data_dir)
    return env


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a program in the checkout and wait for it; stdout and stderr are captured as text.
    ``check`` raises if it exits with an error (its output is in the exception)."""
    return subprocess.run(
        list(args), env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=check
    )

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kefu.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]


def test_parser_knows_every_documented_command():
    parser = build_parser()
    for argv in (
        ["serve"],
        ["worker", "--once"],
        ["demo"],
        ["createadmin"],
        ["check"],
        ["token", "create", "u", "n"],
    ):
        assert parser.parse_args(argv).func is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KEFU_DATA_DIR"] = str(tmp_path / "data")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def test_check_reports_pending_migrations_then_passes(tmp_path):
    kefu = [sys.executable, "-m", "kefu.cli"]
    env = _env(tmp_path)
    (tmp_path / "data").mkdir()
    first = subprocess.run([*kefu, "check"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert first.returncode == 1
    assert "migration(s) not applied" in first.stdout
    subprocess.run([*kefu, "manage", "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=300)
    second = subprocess.run([*kefu, "check"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "migration(s) not applied" not in second.stdout
    assert "ERROR" not in second.stdout, second.stdout


@pytest.mark.slow
def test_serve_starts_creates_an_admin_and_answers(tmp_path):
    port = _free_port()
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as resp:
                    assert resp.status == 200
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert 'name="username"' in body
        password_file = tmp_path / "data" / "initial-admin-password.txt"
        assert password_file.read_text().splitlines()[0] == "admin"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Kefu administrator created" in out

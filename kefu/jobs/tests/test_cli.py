import signal
import subprocess
import time
import urllib.request

import pytest

from kefu.cli import build_parser, live_bind_for, serve_mode
from kefu.conf import ConfigError
from kefu.testing.shell import ROOT, free_port_pair, kefu_command, kefu_env, run


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


def test_serve_listens_for_the_event_streams_on_the_next_port_unless_told(monkeypatch):
    assert live_bind_for("127.0.0.1:8000") == "127.0.0.1:8001"
    assert live_bind_for("[::1]:8000") == "[::1]:8001"
    with pytest.raises(ConfigError, match="KEFU_LIVE_BIND"):
        live_bind_for("unix:/run/kefu.sock")
    for name in ("KEFU_SERVE", "KEFU_SERVE_WSGI"):
        monkeypatch.delenv(name, raising=False)
    assert serve_mode() == "split"
    monkeypatch.setenv("KEFU_SERVE", "asgi")
    assert serve_mode() == "asgi"
    monkeypatch.setenv("KEFU_SERVE_WSGI", "1")  # the former switch still means the WSGI server alone
    assert serve_mode() == "wsgi"
    monkeypatch.delenv("KEFU_SERVE_WSGI")
    monkeypatch.setenv("KEFU_SERVE", "nginx")
    with pytest.raises(ConfigError, match="KEFU_SERVE: one of split, asgi, wsgi"):
        serve_mode()


def test_check_reports_pending_migrations_then_passes(tmp_path):
    env = kefu_env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    first = run(kefu_command("check"), env=env)
    assert first.returncode == 1
    assert "migration(s) not applied" in first.stdout
    run(kefu_command("manage", "migrate", "-v0"), env=env, check=True, timeout=300)
    second = run(kefu_command("check"), env=env)
    assert "migration(s) not applied" not in second.stdout
    assert "ERROR" not in second.stdout, second.stdout


@pytest.mark.slow
def test_serve_starts_creates_an_admin_and_answers(tmp_path):
    port = free_port_pair()  # the pages, and the event streams on the next port
    env = kefu_env(tmp_path / "data")
    proc = subprocess.Popen(
        kefu_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
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

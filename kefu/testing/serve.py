"""``kefu serve`` as ``scripts/run`` starts it, for tests: a fresh process on two free loopback ports (the
pages, and the event streams on the next one) with its own data directory, waited for until both answer,
stopped with SIGTERM at the end (which must exit cleanly). The ``kefu_serve`` fixture (conftest.py) wraps
:func:`serving`.

    with serving(tmp_path / "data") as srv:
        httpx.get(f"{srv.base}/login/")
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from kefu.testing.shell import ROOT, free_port_pair, kefu_env

#: a new SQLite database is migrated first: slow on a busy machine
START_SECONDS = 420


@dataclass
class Served:
    """A running ``kefu serve``: its pages' and streams' addresses, environment and data directory."""

    port: int
    env: dict[str, str]
    data_dir: Path
    proc: subprocess.Popen[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def live(self) -> str:
        """The event streams' listener (the next port)."""
        return f"http://127.0.0.1:{self.port + 1}"

    def admin_password(self) -> str:
        """The first administrator's password, printed once to the data directory at the first start."""
        return (self.data_dir / "initial-admin-password.txt").read_text().splitlines()[1]

    def ring(self, token: str, call_id: str, agent: str = "admin") -> httpx.Response:
        """The telephone system reports a call ringing at ``agent``'s extension (``POST /api/v1/cti/calls``)."""
        return httpx.post(
            f"{self.base}/api/v1/cti/calls",
            json={
                "call_id": call_id,
                "caller": "13700137000",
                "line": "1",
                "event": "ringing",
                "agent": agent,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def token(self, username: str, scope: str) -> str:
        """A new API token of ``username`` with ``scope`` (``kefu token create``)."""
        return subprocess.run(
            [sys.executable, "-m", "kefu.cli", "token", "create", username, scope],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()


@contextmanager
def serving(
    data_dir: Path, *, worker: bool = False, start_seconds: float = START_SECONDS
) -> Iterator[Served]:
    """Start ``kefu serve`` (one web worker; the job worker only with ``worker``), wait until the login page
    answers on both ports, yield it; then stop it and check it exited cleanly (its output in the message)."""
    port = free_port_pair()
    env = kefu_env(data_dir)
    args = [sys.executable, "-m", "kefu.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    if not worker:
        args.append("--no-worker")
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    served = Served(port, env, data_dir, proc)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                if all(
                    httpx.get(f"{u}/login/", timeout=5).status_code == 200 for u in (served.base, served.live)
                ):
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, f"kefu serve exited with {proc.returncode}"
            assert time.monotonic() < deadline, "kefu serve did not start"
            time.sleep(0.5)
        yield served
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out


__all__ = ["Served", "serving"]

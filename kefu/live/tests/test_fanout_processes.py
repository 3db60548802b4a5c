"""Push fan-out across server processes (and hosts) on PostgreSQL: two separate ``kefu serve`` processes —
as on two hosts, sharing nothing but the database — each hold a console's event stream; one event committed
by a third process (a worker, another host) reaches both consoles through ``LISTEN/NOTIFY`` well within a
second, with the safety poll set to a minute so that only the notification can explain it
(docs/operations.md, "Several processes and hosts")."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from httpx_sse import connect_sse

from kefu import live
from kefu.live import bus
from kefu.testing.shell import ROOT, free_port_pair, kefu_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _session(user: Any) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the configured engine

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return str(s.session_key)


def _database_url() -> str:
    d = connection.settings_dict
    return f"postgres://{d['USER']}@{d['HOST']}:{d['PORT']}/{d['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="several server processes: PostgreSQL only")
def test_one_event_reaches_consoles_on_two_server_processes_through_listen_notify(
    world: Any, tmp_path: Path
) -> None:
    from django.contrib.auth import get_user_model

    # an administrator exists: the two servers starting together do not both create the first one
    get_user_model().objects.create_superuser("root-admin", password="not-used-1234")
    env = kefu_env(tmp_path / "data")
    env.update(DATABASE_URL=_database_url(), KEFU_LIVE_SAFETY_POLL_SECONDS="60", KEFU_WORKER_IN_SERVE="false")
    ports = [free_port_pair()]
    while (second := free_port_pair()) in (ports[0] - 1, ports[0], ports[0] + 1):
        pass
    ports.append(second)  # each server: its pages on the port, its event streams on the next one
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--bind", f"127.0.0.1:{p}", "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in ports
    ]
    cookies = {"sessionid": _session(world.agent.user)}
    since = bus.latest_id()
    received: dict[int, list[tuple[str, dict[str, Any], float]]] = {p: [] for p in ports}
    opened = {p: threading.Event() for p in ports}
    try:
        deadline = time.monotonic() + 120
        for p in [q for port in ports for q in (port, port + 1)]:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{p}/login/", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "a server did not start"
                time.sleep(0.3)

        def listen(port: int) -> None:
            with (
                httpx.Client(
                    base_url=f"http://127.0.0.1:{port + 1}",
                    cookies=cookies,
                    timeout=httpx.Timeout(10, read=15),
                ) as c,
                connect_sse(c, "GET", f"/live/events/?since={since}") as source,
            ):
                assert source.response.status_code == 200
                opened[port].set()
                for sse in source.iter_sse():
                    if sse.id:  # the opening frame carries only the retry hint
                        received[port].append((sse.event, json.loads(sse.data), time.monotonic()))
                        return

        threads = [threading.Thread(target=listen, args=(p,), daemon=True) for p in ports]
        for t in threads:
            t.start()
        assert all(opened[p].wait(20) for p in ports)
        time.sleep(0.5)  # both hubs are listening
        sent = time.monotonic()
        live.notify_staff(world.agent.pk, {"unread": 9})  # this process: neither server
        for t in threads:
            t.join(10)
        for p in ports:
            assert [(e, d) for e, d, _ in received[p]] == [("notification", {"unread": 9})], p
            assert received[p][0][2] - sent < 2.0  # the safety poll would take up to 60 s
    finally:
        outputs = []
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            outputs.append(s.communicate(timeout=60)[0])
    assert [s.returncode for s in servers] == [0, 0], outputs

"""A small concurrent HTTP client for the benchmarks: threads + http.client, keep-alive, cookies, CSRF.

No dependency beyond the standard library, so the same client measures Kefu and django-helpdesk.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from common import percentile

Request = tuple[str, str, Any]  # method, path, JSON body (or dict for a form, or None)


class Client:
    """One keep-alive connection with a cookie jar (not shared between threads)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return self.conn

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        form: bool = False,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        hdrs = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                hdrs["Content-Type"] = "application/json"
        if method != "GET" and "csrftoken" in self.cookies:
            hdrs["X-CSRFToken"] = self.cookies["csrftoken"]
            hdrs["Referer"] = f"http://{self.host}:{self.port}/"
        hdrs.update(headers or {})
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                conn.close()
                self.conn = None
                if attempt:
                    raise
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for k, morsel in jar.items():
                    self.cookies[k] = morsel.value
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
            self.conn = None
        return resp.status, payload, {k.lower(): v for k, v in resp.getheaders()}


def login(
    port: int, username: str, password: str, path: str = "/login/", field_user: str = "username"
) -> Client:
    """Log in through the login form (CSRF cookie + form token); the client keeps the session cookie."""
    c = Client(port)
    status, body, _ = c.request("GET", path)
    m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not m:
        raise RuntimeError(f"login page {path}: {status}")
    form = {"csrfmiddlewaretoken": m.group(1).decode(), field_user: username, "password": password}
    status, body, _ = c.request(
        "POST", path, form, form=True, headers={"Referer": f"http://127.0.0.1:{port}{path}"}
    )
    if status not in (302, 303) or "sessionid" not in c.cookies:
        raise RuntimeError(f"login as {username} failed: {status} {body[:300]!r}")
    return c


def wait_until_up(port: int, path: str = "/login/", timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            Client(port).request("GET", path)
            return  # any answer: the server is up (a failing page shows in the login that follows)
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server on port {port} did not come up in {timeout} s")


def stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class LoadResult:
    name: str
    n: int
    concurrency: int
    wall: float
    latencies: list[float] = field(default_factory=list)  # ms
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "concurrency": self.concurrency,
            "throughput": round(self.throughput, 1),
            "p50": round(self.p(50), 1),
            "p95": round(self.p(95), 1),
            "p99": round(self.p(99), 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors[:5],
        }

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.n:>5} req c={self.concurrency}  {self.throughput:7.1f} req/s  "
            f"p50 {self.p(50):7.1f}  p95 {self.p(95):7.1f}  p99 {self.p(99):7.1f} ms  {self.statuses}"
        )


def run_load(
    name: str,
    port: int,
    cookies: dict[str, str],
    make: Callable[[int], Request],
    *,
    n: int,
    concurrency: int,
    ok: tuple[int, ...] = (200,),
    form: bool = False,
    on_response: Callable[[int, int, bytes], None] | None = None,
    max_seconds: float | None = None,
) -> LoadResult:
    """``n`` requests made by ``make(i)`` over ``concurrency`` threads, each with its own connection and
    a copy of ``cookies`` — or fewer if ``max_seconds`` runs out first (no new request is started then);
    latency of each request, throughput = requests done / wall time."""
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult(name, n, concurrency, 0.0)
    deadline = time.monotonic() + max_seconds if max_seconds else None

    def worker() -> None:
        client = Client(port, cookies)
        while True:
            with lock:
                i = next(counter)
            if i >= n or (deadline is not None and time.monotonic() > deadline):
                return
            method, path, body = make(i)
            t = time.perf_counter()
            try:
                status, payload, _ = client.request(method, path, body, form=form)
            except Exception as exc:
                status, payload = 0, repr(exc).encode()
            elapsed = (time.perf_counter() - t) * 1000
            if on_response is not None:
                on_response(i, status, payload)
            with lock:
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status not in ok and len(result.errors) < 20:
                    result.errors.append(f"{method} {path} → {status}: {payload[:200]!r}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    result.n = len(result.latencies)
    return result

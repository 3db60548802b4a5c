"""Pure rules of triggers and webhooks (no Django, no I/O): condition operators, the signature, the back-off,
which addresses a webhook may reach, the trigger chain's depth (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from collections.abc import Iterable
from dataclasses import dataclass

SCHEMA = "kefu.webhook/1"
SIGNATURE_HEADER = "Kefu-Signature"
SIGNATURE_TOLERANCE = 300  # seconds: receivers should refuse older timestamps (replay protection)

# the moments a trigger or a webhook can be about (stable strings: stored on triggers and webhooks)
EVENTS = (
    "created",
    "updated",
    "status_changed",
    "clock_warned",
    "clock_breached",
    "satisfaction_received",
)

# condition operators: the first four compare one value, the last two look into a set (tags, changed fields)
OPERATORS = ("is", "is_not", "in", "not_in", "contains", "not_contains")


def event_type(event: str) -> str:
    """The ``type`` of a webhook payload for a trigger event: ``order.<event>``."""
    return f"order.{event}"


def split_values(value: str) -> list[str]:
    """The values of an ``in`` / ``not in`` condition: comma-separated, trimmed, empty ones dropped."""
    return [v.strip() for v in value.split(",") if v.strip()]


def matches(op: str, actual: object, expected: str) -> bool:
    """Whether ``actual`` (a value, None, or a collection for contains) satisfies ``op expected``; values are
    compared as text (ids and codes alike)."""
    text = "" if actual is None else str(actual)
    if op == "is":
        return text == expected
    if op == "is_not":
        return text != expected
    if op == "in":
        return text in split_values(expected)
    if op == "not_in":
        return text not in split_values(expected)
    items = (
        {str(a) for a in actual} if isinstance(actual, Iterable) and not isinstance(actual, str) else set()
    )
    if op == "contains":
        return expected in items
    if op == "not_contains":
        return expected not in items
    raise ValueError(op)


def all_match(mode: str, results: list[bool]) -> bool:
    """``all``: every condition holds (no conditions: true); ``any``: at least one (no conditions: true)."""
    if not results:
        return True
    return all(results) if mode == "all" else any(results)


# --- the signature ---------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    msg = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex>`` (one v1 per secret: during a rotation the old secret signs too)."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets if s)])


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does (docs/webhooks.md has the same in a snippet): a v1 matches and t is recent."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    ts = [v for k, v in parts if k.strip() == "t"]
    if len(ts) != 1 or not ts[0].isdigit() or abs(now - int(ts[0])) > tolerance:
        return False
    expected = sign(secret, int(ts[0]), body)
    return any(hmac.compare_digest(expected, v) for k, v in parts if k.strip() == "v1")


# --- retries ---------------------------------------------------------------------------------------------

MAX_BACKOFF_SECONDS = 6 * 3600


def backoff_seconds(attempts: int, base: int, rng: random.Random | None = None) -> float:
    """Delay after ``attempts`` failed attempts: base × 2^(attempts−1), capped at 6 h, with ±20 % jitter so
    that many deliveries failing together do not come back together."""
    delay = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    r = rng or random
    return delay * (0.8 + 0.4 * r.random())


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


# --- where a webhook may go (server-side request forgery) -------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """KEFU_WEBHOOK_ALLOW_HOSTS split into host names and networks; ``debug`` allows loopback."""

    hosts: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    debug: bool = False

    @classmethod
    def parse(cls, entries: Iterable[str], debug: bool = False) -> Allowance:
        hosts: set[str] = set()
        nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for e in entries:
            e = e.strip().lower()
            if not e:
                continue
            try:
                nets.append(ipaddress.ip_network(e, strict=False))
            except ValueError:
                hosts.add(e)
        return cls(frozenset(hosts), tuple(nets), debug)

    def host_allowed(self, host: str) -> bool:
        return host.lower() in self.hosts

    def address_allowed(self, ip: str) -> bool:
        addr = ipaddress.ip_address(ip)
        if any(addr in n for n in self.networks):
            return True
        return self.debug and addr.is_loopback


def address_refusal(ip: str, allowance: Allowance, host: str = "") -> str:
    """Why a webhook must not connect to ``ip`` ("" when it may): only public unicast addresses, unless the
    host or the address is allowed by the setting."""
    if allowance.host_allowed(host) or allowance.address_allowed(ip):
        return ""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_loopback:
        return "loopback"
    if addr.is_private or addr.is_link_local or addr.is_reserved or addr.is_multicast or addr.is_unspecified:
        return "private"
    if not addr.is_global:
        return "private"
    return ""


def scheme_refusal(scheme: str, host: str, ips: list[str], allowance: Allowance) -> str:
    """https always; plain http only to an allowed host or address (a test receiver on loopback)."""
    if scheme == "https":
        return ""
    if scheme != "http":
        return "scheme"
    if allowance.host_allowed(host) or (ips and all(allowance.address_allowed(ip) for ip in ips)):
        return ""
    return "https"


# --- trigger chains --------------------------------------------------------------------------------------


def may_fire(trigger_id: int, chain: tuple[int, ...], max_depth: int) -> bool:
    """A trigger fires on a change made by triggers (``chain``: the triggers whose actions led here, outermost
    first) only while the chain is shorter than ``max_depth`` and the trigger is not in it already."""
    return len(chain) < max_depth and trigger_id not in chain


def excerpt(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""The pure rules of triggers and webhooks (no database)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.automation import rules


def test_signature_matches_a_known_value():
    # hmac-sha256("whsec_test", "1700000000.{}") computed independently (openssl dgst -sha256 -hmac)
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert rules.sign("whsec_test", 1700000000, b"{}") == expected
    assert rules.signature_header(["whsec_test"], 1700000000, b"{}") == f"t=1700000000,v1={expected}"


@given(st.binary(max_size=200), st.integers(min_value=1_600_000_000, max_value=2_000_000_000))
def test_verify_accepts_own_signature_and_refuses_changes(body, ts):
    header = rules.signature_header(["s1"], ts, body)
    assert rules.verify("s1", header, body, ts + 10)
    assert not rules.verify("s2", header, body, ts)
    assert not rules.verify("s1", header, body + b"x", ts)
    assert not rules.verify("s1", header, body, ts + rules.SIGNATURE_TOLERANCE + 1)  # too old


def test_rotation_signs_with_both():
    header = rules.signature_header(["new", "old"], 1700000000, b"x")
    assert rules.verify("new", header, b"x", 1700000000) and rules.verify("old", header, b"x", 1700000000)


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("is", "urgent", "urgent", True),
        ("is", None, "", True),
        ("is_not", "high", "urgent", True),
        ("in", 3, "1, 3,5", True),
        ("in", "4", "1,3", False),
        ("not_in", "4", "1,3", True),
        ("contains", {"assignee", "department"}, "assignee", True),
        ("contains", "assignee", "assignee", False),  # a string is not a set of names
        ("not_contains", ["resolution"], "first_response", True),
    ],
)
def test_matches(op, actual, expected, result):
    assert rules.matches(op, actual, expected) is result


def test_unknown_operator_is_an_error():
    with pytest.raises(ValueError):
        rules.matches("like", "a", "a")


def test_all_and_any():
    assert rules.all_match("all", []) and rules.all_match("any", [])
    assert not rules.all_match("all", [True, False]) and rules.all_match("any", [True, False])


@pytest.mark.parametrize("attempts", range(1, 15))
def test_backoff_doubles_with_jitter_and_is_capped(attempts):
    rng = random.Random(attempts)
    delay = rules.backoff_seconds(attempts, 30, rng)
    nominal = min(30 * 2 ** (attempts - 1), rules.MAX_BACKOFF_SECONDS)
    assert 0.8 * nominal <= delay <= 1.2 * nominal


def test_jitter_spreads():
    rng = random.Random(1)
    assert len({round(rules.backoff_seconds(3, 30, rng), 3) for _ in range(20)}) > 10


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("93.184.215.14", ""),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("0.0.0.0", "private"),  # noqa: S104 (an address refused, not bound)
        ("224.0.0.1", "private"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("fd00::1", "private"),
    ],
)
def test_address_refusal(ip, why):
    assert rules.address_refusal(ip, rules.Allowance.parse([])) == why


def test_allowance_by_network_host_and_debug():
    allow = rules.Allowance.parse(["10.20.0.0/16", "ERP.internal", " "])
    assert rules.address_refusal("10.20.3.4", allow) == ""
    assert rules.address_refusal("10.21.3.4", allow) == "private"
    assert rules.address_refusal("10.99.0.1", allow, "erp.internal") == ""
    assert rules.address_refusal("127.0.0.1", rules.Allowance.parse([], debug=True)) == ""
    assert rules.scheme_refusal("http", "erp.internal", ["10.99.0.1"], allow) == ""
    assert rules.scheme_refusal("http", "example.com", ["93.184.215.14"], allow) == "https"
    assert rules.scheme_refusal("https", "example.com", ["93.184.215.14"], allow) == ""
    assert rules.scheme_refusal("gopher", "x", [], allow) == "scheme"


def test_may_fire():
    assert rules.may_fire(1, (), 3)
    assert not rules.may_fire(1, (1,), 3)  # never twice in one chain
    assert rules.may_fire(3, (1, 2), 3)
    assert not rules.may_fire(4, (1, 2, 3), 3)  # the depth limit
    assert not rules.may_fire(1, (), 0)


def test_event_type():
    assert [rules.event_type(e) for e in rules.EVENTS][:2] == ["order.created", "order.updated"]

"""Schemathesis hooks of the API contract run (``scripts/api_contract.py``, docs/api.md).

- ``message/rfc822`` bodies (``POST /mail/inbound/{mailbox_id}``) go out as the raw bytes generated.
- ``POST /sms/inbound`` is signed as the SMS gateway signs it (``X-Kefu-Timestamp``, ``X-Kefu-Signature``:
  HMAC-SHA256 of "<timestamp>." + the body with ``KEFU_SMS_HTTP_SECRET``), so generated messages reach the
  handler instead of stopping at 403.
- One check more than schemathesis' own: a request the schema allows is never refused as not matching it.
  A 400 says which with its code: ``invalid``/``malformed_json`` (and the few view-level shape codes below)
  for "does not match the schema", any other code for a business rule that refused a well-formed request
  (a duplicate phone, a transition the status does not allow, …). The built-in ``positive_data_acceptance``
  is configured to take 400 (the rules) and this check keeps the schema half of it strict.

Loaded with ``SCHEMATHESIS_HOOKS=api_contract_hooks`` (scripts/ on PYTHONPATH); imports nothing of Kefu.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, HookContext, Response

SIGNATURE_HEADER = "X-Kefu-Signature"
TIMESTAMP_HEADER = "X-Kefu-Timestamp"

# 400 codes that mean "the request does not match the schema" (kefu/api/errors.py and the view checks).
SCHEMA_ERROR_CODES = frozenset(
    {"invalid", "malformed_json", "malformed", "invalid_kind", "invalid_period", "naive_datetime"}
)

schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def _json_bytes(body: Any) -> bytes:
    # what requests sends for ``json=body`` (the standard library's encoder, NaN refused)
    return json.dumps(body, allow_nan=False).encode("utf-8")


@schemathesis.hook
def before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    if not case.operation.path.endswith("/sms/inbound") or not case.headers:
        return
    if SIGNATURE_HEADER not in case.headers or TIMESTAMP_HEADER not in case.headers:
        return  # schemathesis checks what a missing header does: leave it missing
    secret = os.environ.get("KEFU_SMS_HTTP_SECRET", "")
    try:
        body = case.body if isinstance(case.body, bytes) else _json_bytes(case.body)
    except (TypeError, ValueError):
        return
    timestamp = str(int(time.time()))
    signed = f"{timestamp}.".encode() + body
    case.headers[TIMESTAMP_HEADER] = timestamp
    case.headers[SIGNATURE_HEADER] = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@schemathesis.check
def schema_valid_request_not_refused_as_invalid(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """A request generated from the schema is never answered 400 with a schema error code."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError("A 400 without the error JSON") from None
    if code in SCHEMA_ERROR_CODES:
        raise AssertionError(
            f"A request the schema allows was refused as not matching it (code {code}): {response.text[:400]}"
        )
    return None

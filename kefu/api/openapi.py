"""The finishing touches of /api/v1/openapi.json that django-ninja does not derive from the routers:
response headers (``Location``, ``ETag``, ``Retry-After``), OpenAPI links from listed and created resources to
the operations on them, and parameters without the ``null`` alternative a query string cannot carry.

The contract is tested as a client sees it: ``scripts/api_contract.py`` runs schemathesis against a live
server (docs/api.md)."""

from __future__ import annotations

from typing import Any

BASE = "/api/v1"

# operations on one work order, reachable from anything that names it by number ({key})
ORDER_OPERATIONS = [
    ("get", "/orders/{key}", "GetOrder"),
    ("patch", "/orders/{key}", "UpdateOrder"),
    ("get", "/orders/{key}/clocks", "OrderClocks"),
    ("get", "/orders/{key}/timeline", "OrderTimeline"),
    ("get", "/orders/{key}/allowed-transitions", "AllowedTransitions"),
    ("post", "/orders/{key}/transition", "Transition"),
    ("post", "/orders/{key}/replies", "Reply"),
    ("post", "/orders/{key}/notes", "AddNote"),
    ("post", "/orders/{key}/transfer", "Transfer"),
    ("post", "/orders/{key}/escalate", "Escalate"),
    ("post", "/orders/{key}/links", "LinkOrder"),
    ("post", "/orders/{key}/merge", "Merge"),
    ("post", "/orders/{key}/send-back", "SendBack"),
    ("post", "/orders/{key}/split", "Split"),
    ("post", "/orders/{key}/contact-attempts", "ContactAttempt"),
    ("post", "/orders/{key}/chat-replies", "ChatReply"),
]
CUSTOMER_OPERATIONS = [
    ("get", "/customers/{customer_id}", "GetCustomer"),
    ("patch", "/customers/{customer_id}", "UpdateCustomer"),
    ("get", "/customers/{customer_id}/orders", "CustomerOrders"),
    ("post", "/customers/{customer_id}/notes", "AddCustomerNote"),
    ("post", "/customers/{customer_id}/tier-override", "TierOverride"),
    *[
        ("post", f"/customers/{{customer_id}}/records/{kind}", f"Add{kind.title().replace('_', '')}")
        for kind in ("subscription", "contract", "purchase", "payment", "bad_record", "person")
    ],
]
CLOCK_OPERATIONS = [
    ("post", "/orders/{key}/clocks/{clock_id}/extensions", "RequestExtension"),
    ("post", "/orders/{key}/clocks/{clock_id}/unreachable", "ReportUnreachable"),
    ("post", "/orders/{key}/clocks/{clock_id}/unreachable/decision", "DecideUnreachable"),
]
CALENDAR_OPERATIONS = [
    ("get", "/calendars/{calendar_id}", "GetCalendar"),
    ("get", "/calendars/{calendar_id}/days", "CalendarDays"),
    ("get", "/calendars/{calendar_id}/deadline", "Deadline"),
]

INCIDENT_OPERATIONS = [
    ("get", "/incidents/{incident_id}", "GetIncident"),
    ("get", "/incidents/{incident_id}/reports", "IncidentReports"),
    ("post", "/incidents/{incident_id}/reports", "AttachReports"),
    ("post", "/incidents/{incident_id}/units", "AddIncidentUnit"),
    ("post", "/incidents/{incident_id}/updates", "IncidentUpdate"),
    ("post", "/incidents/{incident_id}/resolve", "ResolveIncident"),
]

# (method, path, status) of a response → (operations it leads to, {path parameter: runtime expression})
LINKS: list[tuple[str, str, str, list[tuple[str, str, str]], dict[str, str]]] = [
    ("post", "/incidents", "201", INCIDENT_OPERATIONS, {"incident_id": "$response.body#/id"}),
    ("get", "/incidents", "200", INCIDENT_OPERATIONS, {"incident_id": "$response.body#/items/0/id"}),
    ("post", "/orders", "201", ORDER_OPERATIONS, {"key": "$response.body#/number"}),
    ("get", "/orders", "200", ORDER_OPERATIONS, {"key": "$response.body#/items/0/number"}),
    ("get", "/orders/{key}", "200", ORDER_OPERATIONS[1:], {"key": "$response.body#/number"}),
    ("patch", "/orders/{key}", "200", ORDER_OPERATIONS[:1], {"key": "$response.body#/number"}),
    ("post", "/orders/{key}/transition", "200", ORDER_OPERATIONS[:1], {"key": "$response.body#/number"}),
    (
        "get",
        "/customers/{customer_id}/orders",
        "200",
        ORDER_OPERATIONS,
        {"key": "$response.body#/items/0/number"},
    ),
    ("post", "/social/mentions", "201", ORDER_OPERATIONS[:4], {"key": "$response.body#/order"}),
    ("post", "/social/mentions", "200", ORDER_OPERATIONS[:4], {"key": "$response.body#/order"}),
    ("get", "/supervision-notices", "200", ORDER_OPERATIONS[:4], {"key": "$response.body#/items/0/order"}),
    (
        "get",
        "/orders/{key}/clocks",
        "200",
        CLOCK_OPERATIONS,
        {"key": "$request.path.key", "clock_id": "$response.body#/0/id"},
    ),
    (
        "post",
        "/orders/{key}/clocks/{clock_id}/extensions",
        "201",
        [("post", "/extensions/{request_id}/decision", "DecideExtension")],
        {"request_id": "$response.body#/id"},
    ),
    (
        "get",
        "/extensions",
        "200",
        [("post", "/extensions/{request_id}/decision", "DecideExtension")],
        {"request_id": "$response.body#/0/id"},
    ),
    ("post", "/customers", "201", CUSTOMER_OPERATIONS, {"customer_id": "$response.body#/id"}),
    ("get", "/customers", "200", CUSTOMER_OPERATIONS, {"customer_id": "$response.body#/items/0/id"}),
    (
        "get",
        "/customers/{customer_id}",
        "200",
        CUSTOMER_OPERATIONS[1:],
        {"customer_id": "$response.body#/id"},
    ),
    ("get", "/calendars", "200", CALENDAR_OPERATIONS, {"calendar_id": "$response.body#/0/id"}),
    (
        "get",
        "/services",
        "200",
        [("get", "/services/{code}", "GetService")],
        {"code": "$response.body#/0/code"},
    ),
    (
        "get",
        "/accountability",
        "200",
        [("get", "/accountability/{record_id}", "GetAccountabilityRecord")],
        {"record_id": "$response.body#/items/0/id"},
    ),
]

# A created resource says where it lives; a single order or customer carries its version as the ETag.
LOCATION = {
    ("post", "/orders"): "The new order: /api/v1/orders/{number}.",
    ("post", "/customers"): "The new customer: /api/v1/customers/{id}.",
}
ETAG = [
    ("get", "/orders/{key}", "200"),
    ("patch", "/orders/{key}", "200"),
    ("post", "/orders/{key}/transition", "200"),
    ("post", "/orders", "201"),
    ("get", "/customers/{customer_id}", "200"),
    ("patch", "/customers/{customer_id}", "200"),
    ("post", "/customers", "201"),
    ("post", "/customers/{customer_id}/tier-override", "200"),
]

ERROR_DESCRIPTIONS = {
    "400": "The request does not match this schema (code `invalid`, `malformed_json`) or a business rule "
    "refused it (any other code).",
    "401": "No token, or an invalid or revoked one (code `unauthenticated`).",
    "403": "The caller's role may not do this (code `forbidden`), or the CSRF token of a session is missing.",
    "404": "No such resource, or not visible to the caller.",
    "409": "The resource changed since it was read (code `stale`), or its state does not allow this.",
    "413": "The body is larger than the limit (code `too_large`).",
    "414": "The query string is longer than 4096 bytes (code `uri_too_long`).",
    "428": "A version is required (If-Match or `version`) and none was sent (code `precondition_required`).",
    "502": "A gateway behind Kefu refused or could not be reached; nothing was recorded.",
    "503": "Unavailable for a moment (the database); nothing was saved. Try again after `Retry-After` seconds.",
}


def _drop_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [X, {type: null}]`` → X: a query string or header has no null (the parameter is left out)."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    rest = [o for o in options if o != {"type": "null"}]
    if len(rest) != 1 or len(rest) == len(options):
        return schema
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    merged.update(rest[0])
    return merged


def refine(doc: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = doc["paths"]

    def op(method: str, path: str) -> dict[str, Any] | None:
        return paths.get(BASE + path, {}).get(method)

    for ops in paths.values():
        for operation in ops.values():
            operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
            for param in operation.get("parameters", []):
                param["schema"] = _drop_null(param["schema"])
            for status, response in operation.get("responses", {}).items():
                if status in ERROR_DESCRIPTIONS:
                    response["description"] = ERROR_DESCRIPTIONS[status]
                if status == "503":
                    response.setdefault("headers", {})["Retry-After"] = {
                        "description": "Seconds to wait before trying again.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
    for (method, path), text in LOCATION.items():
        operation = op(method, path)
        if operation is not None:
            operation["responses"]["201"].setdefault("headers", {})["Location"] = {
                "description": text,
                "required": True,
                "schema": {"type": "string"},
            }
    for method, path, status in ETAG:
        operation = op(method, path)
        if operation is not None:
            operation["responses"][status].setdefault("headers", {})["ETag"] = {
                "description": 'The version, e.g. "3": send it back as If-Match.',
                "required": True,
                "schema": {"type": "string", "pattern": r'^"[0-9]+"$'},
            }
    sms = op("post", "/sms/inbound")
    if sms is not None:
        sms.setdefault("parameters", []).extend(
            [
                {
                    "in": "header",
                    "name": "X-Kefu-Timestamp",
                    "required": True,
                    "description": "Unix seconds when the gateway sent the request (at most 5 minutes ago).",
                    "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
                },
                {
                    "in": "header",
                    "name": "X-Kefu-Signature",
                    "required": True,
                    "description": 'sha256=<hex HMAC-SHA256 of "<timestamp>." + the raw body>, with '
                    "KEFU_SMS_HTTP_SECRET. Missing, wrong or stale: 403 `bad_signature`.",
                    "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
                },
            ]
        )
    for method, path, status, targets, parameters in LINKS:
        operation = op(method, path)
        if operation is None:
            continue
        links = operation["responses"][status].setdefault("links", {})
        for target_method, target_path, name in targets:
            target = op(target_method, target_path)
            if target is None:
                continue
            wanted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            links[name] = {
                "operationId": target["operationId"],
                "parameters": {f"path.{k}": v for k, v in parameters.items() if k in wanted},
            }
    return doc

"""The OpenAPI document as a contract (docs/api.md): valid OpenAPI 3.1, every answer declared, the request
types as strict as the server. The live run against a server is scripts/api_contract.py (scripts/test)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from kefu.api.tests.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(Client().get("/api/v1/openapi.json").content)


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_validator_would_notice_a_broken_document(doc):
    broken = json.loads(json.dumps(doc))
    broken["paths"]["/api/v1/orders"]["get"]["responses"]["200"] = {"content": {}}  # no description
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_operation_declares_its_4xx_with_the_error_body(doc):
    for method, path, op in operations(doc):
        responses = op["responses"]
        expected = {"400", "404", "414", "503"} | ({"401"} if path != "/api/v1/sms/inbound" else set())
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
                assert response["description"], (method, path, status)
        if "requestBody" in op:
            assert {"409", "413"} <= set(responses), (method, path)


def test_query_parameters_never_offer_null_and_enumerations_are_enums(doc):
    for method, path, op in operations(doc):
        for param in op.get("parameters", []):
            text = json.dumps(param["schema"])
            assert '"null"' not in text, (method, path, param["name"])
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert "-urgency" in resolve(doc, params["ordering"])["enum"]
    assert params["overdue"]["type"] == "boolean"
    acc = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/accountability"]["get"]["parameters"]}
    assert "breach" in resolve(doc, acc["kind"])["enum"]
    assert acc["until"]["format"] == "date" and acc["until"]["pattern"].startswith("^")


def test_times_dates_and_decimals_have_their_real_formats(doc):
    schemas = doc["components"]["schemas"]
    start = schemas["PeriodOut"]["properties"]["start"]
    assert start["format"] == "partial-time"
    assert re.fullmatch(start["pattern"], "08:30:00") and not re.fullmatch(start["pattern"], "8:30")
    fee = schemas["SubscriptionIn"]["properties"]["monthly_fee"]["anyOf"]
    text = next(s for s in fee if s["type"] == "string")["pattern"]
    assert re.fullmatch(text, "12.50") and not re.fullmatch(text, "1e3") and not re.fullmatch(text, "-1")
    amount = schemas["ExtensionIn"]["properties"]["amount"]["anyOf"]
    text = next(s for s in amount if s["type"] == "string")["pattern"]
    assert re.fullmatch(text, "1000") and not re.fullmatch(text, "0") and not re.fullmatch(text, "1000.01")


def test_customer_records_are_a_discriminated_union(doc):
    response = doc["paths"]["/api/v1/customers/{customer_id}/records/contract"]["post"]["responses"]["201"]
    schema = response["content"]["application/json"]["schema"]
    assert schema["discriminator"]["propertyName"] == "kind"
    assert len(schema["oneOf"]) == 6
    contract = doc["components"]["schemas"]["ContractRecordOut"]["properties"]
    assert contract["kind"]["const"] == "contract"
    # the accountability record is another component (it shared the name RecordOut before)
    assert "AccountabilityRecordOut" in doc["components"]["schemas"]


def test_links_lead_from_an_order_to_its_sub_resources(doc):
    ids = {op["operationId"]: (method, path) for method, path, op in operations(doc)}
    created = doc["paths"]["/api/v1/orders"]["post"]["responses"]["201"]
    assert set(created["headers"]) == {"Location", "ETag"}
    targets = {ids[link["operationId"]] for link in created["links"].values()}
    for sub in ("clocks", "timeline", "notes", "transition", "merge"):
        assert any(path.endswith("/{key}/" + sub) for _m, path in targets), sub
    for method, path, op in operations(doc):
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in ids, (method, path, link)
                target = doc["paths"][ids[link["operationId"]][1]][ids[link["operationId"]][0].lower()]
                wanted = {f"path.{p['name']}" for p in target.get("parameters", []) if p["in"] == "path"}
                assert set(link["parameters"]) == wanted, (method, path, link)


def test_a_too_long_query_string_is_a_414_with_the_error_json(apis, settings):
    settings.KEFU_API_MAX_QUERY_BYTES = 100
    resp = apis("agent").get("/orders", q="x" * 101)
    assert_error(resp, 414, "uri_too_long", None)
    ok = apis("agent").get("/orders", q="x" * 90)
    assert ok.status_code == 200


def test_an_order_key_of_other_digits_is_not_found(apis):
    # "³".isdigit() is true but int("³") fails: this was a 500 (found by the contract run)
    for key in ("³", "١٢", "99999999999999999999"):
        assert_error(apis("agent").get(f"/orders/{key}"), 404, "not_found")


def test_a_too_large_body_is_a_413_with_the_error_json(apis, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = apis("agent").post("/orders/1/notes", {"body": "x" * 2000})
    assert_error(resp, 413, "too_large", None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"until": "0"}, "until"),  # a Unix time is not a date
        ({"since": "2026-02-30"}, "since"),
        ({"kind": "subscription"}, "kind"),
        ({"staff": "x"}, "staff"),
    ],
)
def test_query_values_outside_the_schema_are_refused(apis, params, field):
    assert_error(apis("supervisor").get("/accountability", **params), 400, "invalid", field)


def test_json_body_types_are_strict(apis, world):
    api = apis("agent")
    for body, field in [
        ({"name": "张三", "phone": "13800138000", "branch_id": "1"}, "branch_id"),
        ({"name": "张三", "phone": "13800138000", "allow_duplicate": 1}, "allow_duplicate"),
        ({"name": "张三", "phone": "13800138000", "customer_since": 0}, "customer_since"),
    ]:
        assert_error(api.post("/customers", body), 400, "invalid", field)
    # 12.0 is a JSON Schema integer; unknown properties are ignored
    resp = api.post(
        "/customers", {"name": "李四", "phone": "13900139000", "branch_id": float(world.north.pk), "zz": 1}
    )
    assert resp.status_code == 201, resp.body

"""Contract details found by the schemathesis run after the merge of this batch."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import api_for

pytestmark = pytest.mark.django_db


def test_the_customer_merge_body_is_its_own_schema(world: Any) -> None:
    api = api_for(world.supervisor.user)
    schema = api.call("GET", "/openapi.json").body
    op = schema["paths"]["/api/v1/customers/{customer_id}/merge"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "merged" in body["required"]  # not the order merge's body (survivor, reason)
    assert ref.endswith("/CustomerMergeIn")


def test_saved_view_filters_must_be_an_object(world: Any) -> None:
    api = api_for(world.supervisor.user)
    r = api.call("POST", "/saved-views", {"name": "x", "tab": "team", "filters": [None, None]})
    assert r.status_code == 400, r.body
    assert r.body["error"]["field"].startswith("filters")
    ok = api.call("POST", "/saved-views", {"name": "紧急", "tab": "team", "filters": {"priority": "urgent"}})
    assert ok.status_code == 201 and ok.body["filters"] == {"priority": "urgent"}

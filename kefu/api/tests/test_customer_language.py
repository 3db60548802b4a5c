"""The customer's language is part of the customer resource: the branch's by default, editable."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_customer_language_defaults_to_the_branch_and_is_editable(world: Any, apis: Any) -> None:
    world.north.language = "hu"
    world.north.save(update_fields=["language"])
    api = apis("agent")
    r = api.post("/customers", {"name": "Kovács Anna", "phone": "13712345678", "branch_id": world.north.pk})
    assert r.status_code == 201, r.body
    assert r.body["language"] == "hu" and Customer.objects.get(pk=r.body["id"]).language == "hu"
    r = api.post("/customers", {"name": "John", "phone": "13712345679", "language": "en"})
    assert r.status_code == 201 and r.body["language"] == "en"
    assert_error(
        api.post("/customers", {"name": "X", "phone": "13712345670", "language": "xx"}),
        400,
        "invalid_choice",
        "language",
    )
    cid, version = r.body["id"], r.body["version"]
    r = api.patch(f"/customers/{cid}", {"language": "zh-hant", "version": version})
    assert r.status_code == 200 and r.body["language"] == "zh-hant"
    # a change of something else keeps the language
    r = api.patch(f"/customers/{cid}", {"address": "和平里1号", "version": r.body["version"]})
    assert r.status_code == 200 and r.body["language"] == "zh-hant"

"""Tags and custom fields through the REST API and the console: definitions, values, tags, autocomplete,
list filters (``field.<key>``, ``tag``), the exact-value search, the refusal of a transition, the queue
filter and the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from kefu.api.tests.conftest import api_for
from kefu.console.tests.test_orders_detail import client_for
from kefu.fields import actions
from kefu.fields.models import FieldDefinition
from kefu.testing.factories import make_portal_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def defs(world: Any) -> dict[str, FieldDefinition]:
    a = world.admin.user
    return {
        "meter_no": actions.do_save_definition(
            a,
            {
                "key": "meter_no",
                "label": "Meter number",
                "scope": "order",
                "kind": "text",
                "required_at": ["resolved"],
            },
        ),
        "visits": actions.do_save_definition(
            a, {"key": "visits", "label": "Visits", "scope": "order", "kind": "number"}
        ),
        "account_no": actions.do_save_definition(
            a,
            {
                "key": "account_no",
                "label": "Account number",
                "scope": "customer",
                "kind": "text",
                "public": True,
            },
        ),
    }


def test_definitions_and_order_fields_over_the_api(world: Any, defs: Any) -> None:
    api = api_for(world.agent.user)
    resp = api.get("/fields")
    assert resp.status_code == 200
    by_key = {d["key"]: d for d in resp.body}
    assert by_key["visits"]["kind"] == "number" and by_key["meter_no"]["required_at"] == ["resolved"]
    o = world.order(world.customer())
    resp = api.patch(
        f"/orders/{o.number}/fields",
        {"custom_fields": {"meter_no": "88776655", "visits": 3, "account_no": "HH-9"}},
    )
    assert resp.status_code == 200, resp.body
    assert resp.body == {
        "custom_fields": {"meter_no": "88776655", "visits": "3", "account_no": "HH-9"},
        "tags": [],
    }
    resp = api.patch(f"/orders/{o.number}/fields", {"custom_fields": {"visits": "many"}})
    assert resp.status_code == 400
    assert resp.body["error"]["field"] == "custom_fields.visits"
    resp = api.post(f"/orders/{o.number}/tags", {"tags": ["Gas Meter", "复查"]})
    assert resp.status_code == 200 and resp.body["tags"] == ["gas-meter", "复查"]
    resp = api.call("DELETE", f"/orders/{o.number}/tags/复查")
    assert resp.status_code == 200 and resp.body["tags"] == ["gas-meter"]
    assert api.get("/tags", q="GAS").body == [{"name": "gas-meter", "uses": 1}]
    # the order itself carries the fields and tags
    body = api.get(f"/orders/{o.number}").body
    assert body["custom_fields"]["meter_no"] == "88776655" and body["tags"] == ["gas-meter"]


def test_list_filters_and_search_by_value(world: Any, defs: Any) -> None:
    api = api_for(world.agent.user)
    c1, c2 = world.customer(), world.customer(name="李四", phone="13900139000")
    o1, o2 = world.order(c1), world.order(c2)
    actions.do_set_field_values(world.agent.user, o1, {"meter_no": "11112222", "visits": "1"})
    actions.do_set_field_values(
        world.agent.user, o2, {"meter_no": "33334444", "visits": "5", "account_no": "HH-2"}
    )
    actions.do_add_tags(world.agent.user, o2, ["vip"])

    def numbers(**params: Any) -> list[str]:
        resp = api.get("/orders", **params)
        assert resp.status_code == 200, resp.body
        return sorted(i["number"] for i in resp.body["items"])

    assert numbers(**{"field.meter_no": "11112222"}) == [o1.number]
    assert numbers(**{"field.visits.min": "2"}) == [o2.number]
    assert numbers(**{"field.account_no": "HH-2"}) == [o2.number]  # a customer field
    assert numbers(tag="VIP") == [o2.number]
    assert numbers(q="33334444") == [o2.number]  # the search finds a meter number
    items = api.get("/orders", **{"field.meter_no": "11112222"}).body["items"]
    assert items[0]["custom_fields"] == {"meter_no": "11112222", "visits": "1", "account_no": None}
    resp = api.get("/orders", **{"field.nope": "1"})
    assert resp.status_code == 400 and resp.body["error"]["field"] == "field.nope"
    resp = api.get("/orders", **{"field.visits": "x"})
    assert resp.status_code == 400


def test_api_transition_refused_naming_the_field(world: Any, defs: Any) -> None:
    api = api_for(world.agent.user)
    o = world.order(world.customer())
    resp = api.post(
        f"/orders/{o.number}/transition", {"status": "resolved", "resolution": "已修复", "version": o.version}
    )
    assert resp.status_code == 400, resp.body
    assert resp.body["error"]["field"] == "custom_fields.meter_no"
    assert "Meter number" in resp.body["error"]["message"]


def test_portal_customer_sees_public_fields_only(world: Any, defs: Any) -> None:
    c = world.customer()
    o = world.order(c)
    actions.do_set_field_values(world.agent.user, o, {"meter_no": "12121212", "account_no": "HH-7"})
    actions.do_add_tags(world.agent.user, o, ["internal-note"])
    user = make_portal_customer(world, c)
    api = api_for(user)
    body = api.get(f"/orders/{o.number}").body
    assert body["custom_fields"] == {"account_no": "HH-7"} and body["tags"] == []
    assert [d["key"] for d in api.get("/fields").body] == ["account_no"]


def test_console_card_queue_filter_and_export(world: Any, defs: Any) -> None:
    o = world.order(world.customer())
    other = world.order(world.customer(name="李四", phone="13900139000"))
    c = client_for(world.agent)
    resp = c.post(f"/fields/orders/{o.number}/values/", {"field.meter_no": "55556666", "field.visits": "2"})
    assert resp.status_code == 302
    assert actions.values_of(o)["meter_no"] == ["55556666"]
    resp = c.post(f"/fields/orders/{o.number}/tags/", {"add": "燃气表, 复查"}, headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'data-tag="燃气表"' in resp.content.decode()
    page = c.get(f"/orders/{o.number}/").content.decode()
    assert 'id="fields-panel"' in page and 'value="55556666"' in page and "#燃气表" in page
    # bad value: the card comes back with the message next to the field
    resp = c.post(
        f"/fields/orders/{o.number}/values/", {"field.visits": "abc"}, headers={"HX-Request": "true"}
    )
    assert resp.status_code == 400 and 'data-testid="field-error-visits"' in resp.content.decode()
    queue = c.get("/orders/", {"tab": "team", "tag": "燃气表"}).content.decode()
    assert o.number in queue and other.number not in queue
    queue = c.get("/orders/", {"tab": "team", "cf_key": "meter_no", "cf_value": "55556666"}).content.decode()
    assert o.number in queue and other.number not in queue
    resp = c.get("/reports/export/orders/", {"tab": "team", "format": "csv"})
    text = b"".join(resp.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-4:] == ["Account number", "Meter number", "Visits", "Tags"]
    mine = next(r for r in rows if r[0] == o.number)
    assert mine[-4:] == ["", "55556666", "2", "复查 燃气表"]
    # suggestions for the tag box
    assert 'value="燃气表"' in c.get("/fields/tags/suggest/", {"add": "燃"}).content.decode()


def test_definitions_page_for_admins_only(world: Any) -> None:
    assert client_for(world.agent).get("/fields/").status_code == 404  # not offered to agents
    c = client_for(world.admin)
    resp = c.post(
        "/fields/",
        {
            "key": "slot",
            "label": "预约时段",
            "scope": "order",
            "kind": "choice",
            "choices": "上午, 下午",
            "active": "on",
            "position": "10",
        },
    )
    assert resp.status_code == 302
    d = FieldDefinition.objects.get(key="slot")
    assert d.choices == ["上午", "下午"]
    resp = c.post(
        f"/fields/{d.pk}/", {"key": "slot", "label": "", "scope": "order", "kind": "choice", "choices": ""}
    )
    assert resp.status_code == 400


def test_portal_page_shows_public_fields_with_a_value(world: Any, defs: Any) -> None:
    from django.test import Client

    c = world.customer()
    o = world.order(c)
    actions.do_set_field_values(world.agent.user, o, {"meter_no": "12121212", "account_no": "HH-7"})
    client = Client()
    client.force_login(make_portal_customer(world, c))
    page = client.get(f"/portal/orders/{o.number}/").content.decode()
    assert 'data-testid="portal-field-account_no">HH-7<' in page
    assert "12121212" not in page  # the meter number is not marked public


def test_openapi_declares_the_fields_and_their_kinds() -> None:
    from django.test import Client

    doc = Client().get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["FieldKindChoices"]["enum"]) == {"text", "number", "date", "choice", "multi_choice"}
    assert "breach" in schemas["KindChoices"]["enum"]  # the other app's enum keeps its name
    order = schemas["OrderOut"]["properties"]
    assert "custom_fields" in order and "tags" in order
    assert "/api/v1/orders/{key}/fields" in doc["paths"]


def test_queue_offers_fields_without_a_query_on_the_page(world: Any, defs: Any) -> None:
    c = client_for(world.agent)
    page = c.get("/orders/", {"tab": "team"}).content.decode()
    assert 'list="queue-field-options"' in page and 'id="queue-field-options"' in page
    options = c.get("/fields/keys/").content.decode()
    assert '<option value="meter_no">Meter number</option>' in options
    o = world.order(world.customer())
    actions.do_set_field_values(world.agent.user, o, {"meter_no": "99990000"})
    # the box offers labels too: the label picks the field
    queue = c.get(
        "/orders/", {"tab": "team", "cf_key": "Meter number", "cf_value": "99990000"}
    ).content.decode()
    assert o.number in queue

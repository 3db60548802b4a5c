"""OpenAPI document and query counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/customers",
    "/api/v1/customers/{customer_id}",
    "/api/v1/customers/{customer_id}/orders",
    "/api/v1/customers/{customer_id}/merge-preview",
    "/api/v1/customers/{customer_id}/merge",
    "/api/v1/customer-merges/{merge_id}/undo",
    "/api/v1/customers/{customer_id}/duplicates",
    "/api/v1/orders/{key}/customer",
    "/api/v1/customers/{customer_id}/notes",
    "/api/v1/customers/{customer_id}/tier-override",
    "/api/v1/customers/{customer_id}/records/subscription",
    "/api/v1/customers/{customer_id}/records/contract",
    "/api/v1/customers/{customer_id}/records/purchase",
    "/api/v1/customers/{customer_id}/records/payment",
    "/api/v1/customers/{customer_id}/records/bad_record",
    "/api/v1/customers/{customer_id}/records/person",
    "/api/v1/orders",
    "/api/v1/orders/{key}",
    "/api/v1/orders/{key}/transition",
    "/api/v1/orders/{key}/replies",
    "/api/v1/orders/{key}/notes",
    "/api/v1/orders/{key}/transfer",
    "/api/v1/orders/{key}/escalate",
    "/api/v1/orders/{key}/links",
    "/api/v1/orders/{key}/merge",
    "/api/v1/orders/{key}/send-back",
    "/api/v1/orders/{key}/split",
    "/api/v1/send-backs",
    "/api/v1/reports/send-backs/units",
    "/api/v1/reports/send-backs/orders",
    "/api/v1/orders/{key}/timeline",
    "/api/v1/orders/{key}/allowed-transitions",
    "/api/v1/orders/{key}/clocks",
    # tags and custom fields (kefu/api/fields.py)
    "/api/v1/fields",
    "/api/v1/tags",
    "/api/v1/orders/{key}/fields",
    "/api/v1/orders/{key}/tags",
    "/api/v1/orders/{key}/tags/{name}",
    "/api/v1/customers/{customer_id}/fields",
    "/api/v1/orders/{key}/clocks/{clock_id}/extensions",
    "/api/v1/orders/{key}/clocks/{clock_id}/unreachable",
    "/api/v1/orders/{key}/clocks/{clock_id}/unreachable/decision",
    "/api/v1/orders/{key}/contact-attempts",
    "/api/v1/extensions",
    "/api/v1/services",
    "/api/v1/services/{code}",
    "/api/v1/services/{code}/revisions",
    "/api/v1/services/{code}/revisions/{revision_id}/cancel",
    "/api/v1/calendars",
    "/api/v1/calendars/{calendar_id}",
    "/api/v1/calendars/{calendar_id}/days",
    "/api/v1/calendars/{calendar_id}/deadline",
    "/api/v1/calendars/{calendar_id}/revisions",
    "/api/v1/config-revisions",
    "/api/v1/config-revisions/{revision_id}",
    "/api/v1/config-revisions/{revision_id}/cancel",
    "/api/v1/extensions/{request_id}/decision",
    "/api/v1/cti/calls",
    "/api/v1/hotline/customers",
    "/api/v1/hotline/sessions",
    "/api/v1/hotline/sessions/end",
    "/api/v1/mail/inbound/{mailbox_id}",
    "/api/v1/social/mentions",
    "/api/v1/sms/inbound",
    "/api/v1/chat/inbound",
    "/api/v1/incidents",
    "/api/v1/incidents/{incident_id}",
    "/api/v1/incidents/{incident_id}/reports",
    "/api/v1/incidents/{incident_id}/units",
    "/api/v1/incidents/{incident_id}/units/{unit_id}/done",
    "/api/v1/incidents/{incident_id}/updates",
    "/api/v1/incidents/{incident_id}/resolve",
    "/api/v1/ivr/incidents",
    "/api/v1/ivr/incidents/{incident_id}/reports",
    # safety-check campaigns (docs/field-service.md)
    "/api/v1/campaigns",
    "/api/v1/campaigns/{campaign_id}",
    "/api/v1/campaigns/{campaign_id}/households",
    "/api/v1/campaigns/{campaign_id}/batches",
    "/api/v1/campaigns/{campaign_id}/stop",
    "/api/v1/campaigns/{campaign_id}/resume",
    "/api/v1/campaigns/{campaign_id}/households/{household_id}/refusal",
    # macros, bulk actions, saved views (docs/macros.md)
    "/api/v1/macros",
    "/api/v1/macros/{macro_id}/preview",
    "/api/v1/macros/{macro_id}/apply",
    "/api/v1/bulk-actions",
    "/api/v1/saved-views",
    "/api/v1/saved-views/{view_id}",
    # triggers and webhooks (docs/webhooks.md)
    "/api/v1/triggers",
    "/api/v1/triggers/{trigger_id}",
    "/api/v1/webhooks",
    "/api/v1/webhooks/{webhook_id}",
    "/api/v1/webhooks/{webhook_id}/deliveries",
    "/api/v1/webhook-deliveries/{delivery_id}/replay",
    "/api/v1/orders/{key}/chat-replies",
    "/api/v1/reports/kpis",
    "/api/v1/reports/sheets/mine",
    "/api/v1/reports/sheets/{dim}",
    "/api/v1/satisfaction/counter-evaluations",
    "/api/v1/accountability",
    "/api/v1/accountability/{record_id}",
    "/api/v1/supervision-notices",
    # booking visit windows (docs/field-service.md)
    "/api/v1/orders/{key}/windows",
    "/api/v1/orders/{key}/appointments",
    "/api/v1/appointments",
    "/api/v1/appointments/{appointment_id}",
    "/api/v1/appointments/{appointment_id}/reschedule",
    "/api/v1/appointments/{appointment_id}/cancel",
    "/api/v1/appointments/{appointment_id}/confirm",
    "/api/v1/appointments/{appointment_id}/missed",
}


def test_openapi_json_lists_the_paths():
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "Kefu API"
    assert set(doc["paths"]) == EXPECTED_PATHS
    assert set(doc["paths"]["/api/v1/customers"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/orders/{key}"]) == {"get", "patch"}
    schemas = doc["components"]["schemas"]
    for name in ("OrderOut", "OrderIn", "CustomerOut", "ErrorOut", "TransitionIn"):
        assert name in schemas, name
    assert "owner" in schemas["OrderOut"]["properties"]
    assert set(doc["components"]["securitySchemes"]) == {"BearerToken", "SessionWithCsrf"}
    responses = doc["paths"]["/api/v1/orders/{key}"]["patch"]["responses"]
    assert {"200", "409", "428"} <= set(responses)


def test_docs_page_renders():
    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content


def test_docs_page_uses_local_static_files_not_a_cdn():
    """CI and air-gapped installs have no CDN: Swagger UI comes from django-ninja's static files."""
    html = Client().get("/api/v1/docs").content.decode()
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in refs and "/static/ninja/swagger-ui.css" in refs
    assert all(ref.startswith("/static/ninja/") for ref in refs), refs
    assert "cdn" not in html.lower() and "://" not in html  # no other host at all
    for ref in refs:
        name = ref.removeprefix("/static/")
        path = finders.find(name)
        assert path and Path(str(path)).stat().st_size > 0, name
        resp = Client().get(ref)  # served (WhiteNoise from the finders)
        assert resp.status_code == 200, ref
        assert b"".join(resp.streaming_content) == Path(str(path)).read_bytes()  # type: ignore[attr-defined]


def _count_list_queries(api, world, n):
    c = world.customer(phone=f"1380013{8000 + n}")
    for i in range(n):
        o = world.order(
            c, title=f"单{i}", assignee_id=world.technician.pk, department_id=world.repair_north.pk
        )
        assert o.assignee_id == world.technician.pk
    api.get("/orders")  # warm-up: token last_used_at write
    with CaptureQueriesContext(connection) as ctx:
        r = api.get("/orders", limit=200)
    assert r.status_code == 200
    return r.body["count"], len(ctx.captured_queries)


def test_order_list_query_count_does_not_grow(world, apis):
    from kefu.workorders.models import WorkOrder

    api = apis("agent")
    count5, queries5 = _count_list_queries(api, world, 5)
    assert count5 == 5
    WorkOrder.objects.all().delete()
    count50, queries50 = _count_list_queries(api, world, 50)
    assert count50 == 50
    assert queries5 == queries50
    assert queries50 <= 6


def test_customer_list_query_count_does_not_grow(world, apis):
    api = apis("agent")
    for i in range(3):
        world.customer(name=f"甲{i}", phone=f"1380013{8100 + i}", address="和平里")
    api.get("/customers")
    with CaptureQueriesContext(connection) as ctx3:
        assert api.get("/customers").body["count"] == 3
    for i in range(20):
        world.customer(name=f"乙{i}", phone=f"1390013{8100 + i}", address="北苑")
    with CaptureQueriesContext(connection) as ctx23:
        assert api.get("/customers").body["count"] == 23
    assert len(ctx3.captured_queries) == len(ctx23.captured_queries)

"""Time limits are edited in the admin (audited); clocks and extension requests are read-only there."""

from __future__ import annotations

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments.models import TimeLimit
from kefu.testing.factories import PASSWORD


@pytest.fixture(autouse=True)
def _english(client):  # type: ignore[no-untyped-def]
    """The assertions read the English messages (the default language is Simplified Chinese)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


pytestmark = pytest.mark.django_db


def test_admin_adds_a_time_limit_with_an_audit_record(client, world):
    client.login(username="admin", password=PASSWORD)
    response = client.get("/admin/commitments/timelimit/")
    assert response.status_code == 200
    assert "fault_general" in response.content.decode() or "fault (general)" in response.content.decode()
    data = {
        "kind": "resolution",
        "order_type": "fault_general",
        "service": str(world.service_fault.pk),
        "area_kind": "rural",
        "tier": "",
        "priority": "",
        "unit": "working_hours",
        "amount": "16",
        "is_active": "on",
    }
    response = client.post("/admin/commitments/timelimit/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = TimeLimit.objects.get(service=world.service_fault)
    assert (row.unit, row.area_kind, str(row.amount)) == ("working_hours", "rural", "16.00")
    assert AuditRecord.objects.filter(action="admin.add", object_type="commitments.timelimit").count() == 1


def test_fractional_working_days_are_refused(client, world):
    client.login(username="admin", password=PASSWORD)
    data = {"kind": "resolution", "order_type": "restoration", "unit": "working_days", "amount": "2.5"}
    response = client.post("/admin/commitments/timelimit/add/", data)
    assert response.status_code == 200
    assert "whole days" in response.content.decode()


def test_clocks_are_read_only(client, world):
    client.login(username="admin", password=PASSWORD)
    assert client.get("/admin/commitments/orderclock/").status_code == 200
    assert client.get("/admin/commitments/orderclock/add/").status_code == 403
    assert client.get("/admin/commitments/extensionrequest/add/").status_code == 403

"""Service admin: materials, steps and fee items as inlines; every inline row in the service log (R-33)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.commitments.models import ServiceFee, ServiceMaterial, ServiceStep

pytestmark = pytest.mark.django_db


def _inline(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_inline_rows_saved_and_logged(world: Any) -> None:
    s = world.service_fault
    c = Client()
    c.force_login(world.admin.user)
    url = f"/admin/commitments/service/{s.pk}/change/"
    assert c.get(url).status_code == 200
    data = {
        "code": s.code,
        "name": s.name,
        "name_en": s.name_en,
        "order_type": s.order_type,
        "sale_phase": s.sale_phase,
        "technical": "on",
        "place": s.place,
        "fee": "0",
        "public": "on",
        "is_active": "on",
        "description": "",
    }
    data |= _inline(
        "materials",
        [
            {
                "order": "1",
                "name": "身份证复印件",
                "description": "户主本人",
                "required": "on",
                "service": str(s.pk),
            },
            {"order": "2", "name": "户型图", "description": "", "service": str(s.pk)},
        ],
    )
    data |= _inline(
        "steps", [{"order": "1", "title": "受理", "description": "核对材料", "service": str(s.pk)}]
    )
    data |= _inline(
        "fees",
        [{"order": "1", "name": "上门费", "amount": "30.00", "unit": "次", "note": "", "service": str(s.pk)}],
    )
    resp = c.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    mats = list(ServiceMaterial.objects.filter(service=s).values_list("name", "required"))
    assert mats == [("身份证复印件", True), ("户型图", False)]
    assert ServiceStep.objects.get(service=s).title == "受理"
    assert str(ServiceFee.objects.get(service=s).amount) == "30.00"
    logged = set(AuditRecord.objects.filter(action="admin.add").values_list("object_type", flat=True))
    assert {"commitments.servicematerial", "commitments.servicestep", "commitments.servicefee"} <= logged
    assert AuditRecord.objects.filter(action="admin.change", object_type="commitments.service").count() == 1

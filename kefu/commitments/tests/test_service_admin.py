"""Service admin: the catalogue is read-only in the back office, with a link to the console's catalogue editor
(which validates, versions and logs every change; kefu/console/tests/test_catalogue_editor.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.commitments.models import Service

pytestmark = pytest.mark.django_db


def test_service_admin_is_read_only_and_points_to_the_console(world: Any) -> None:
    s = world.service_fault
    c = Client()
    c.force_login(world.admin.user)
    url = f"/admin/commitments/service/{s.pk}/change/"
    page = c.get(url)
    assert page.status_code == 200
    assert reverse("console:catalogue_list") in page.content.decode()
    resp = c.post(url, {"code": s.code, "name": "改名", "order_type": s.order_type})
    assert resp.status_code == 403
    assert Service.objects.get(pk=s.pk).name == s.name
    assert c.get("/admin/commitments/service/add/").status_code == 403

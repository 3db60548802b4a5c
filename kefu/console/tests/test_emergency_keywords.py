"""Supervisors and administrators edit the emergency keywords in the console; the change is in
force at once (the cache is dropped) and audited; other roles do not see the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _t

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks, emergency
from kefu.commitments.models import EmergencyKeyword

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    emergency.clear_cache()


def test_supervisor_adds_and_switches_off_a_keyword(world: Any) -> None:
    c = Client()
    c.force_login(world.supervisor.user)
    url = reverse("console:emergency_keywords")
    page = c.get(url).content.decode()
    assert 'data-keyword="燃气泄漏"' in page and "96777" in page
    assert emergency.keyword_in("楼道有刺鼻异味") == ""  # cached list loaded
    resp = c.post(url, {"language": "zh-hans", "keyword": " 刺鼻 异味 "})
    assert resp.status_code == 302
    row = EmergencyKeyword.objects.get(keyword="刺鼻 异味")
    assert emergency.keyword_in("楼道有刺鼻异味") == "刺鼻异味"  # in force at once
    assert AuditRecord.objects.filter(action="emergency_keyword.add", summary="刺鼻 异味").exists()
    again = c.post(url, {"language": "zh-hans", "keyword": "刺鼻 异味"})
    assert again.status_code == 400 and _t("This keyword is already in the list.") in again.content.decode()
    c.post(reverse("console:emergency_keyword_toggle", args=[row.pk]), {"active": "0"})
    row.refresh_from_db()
    assert not row.is_active and emergency.keyword_in("楼道有刺鼻异味") == ""


def test_agents_and_technicians_do_not_get_the_page(world: Any) -> None:
    for staff in (world.agent, world.technician):
        c = Client()
        c.force_login(staff.user)
        assert c.get(reverse("console:emergency_keywords")).status_code == 404
        assert (
            c.post(reverse("console:emergency_keywords"), {"language": "en", "keyword": "fire"}).status_code
            == 404
        )
    assert not EmergencyKeyword.objects.filter(keyword="fire").exists()

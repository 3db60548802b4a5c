"""Access records: the customer page writes one record (one INSERT, no N+1), a supervisor reads
who looked at a customer in the last 6 months (paged), the unusual-access report, and the prune by age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kefu.customers import actions
from kefu.lib import clock
from kefu.privacy import records, retention, rules
from kefu.privacy.models import AccessRecord
from kefu.retention import registry

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def access_url(c) -> str:  # type: ignore[no-untyped-def]
    return reverse("console:privacy_customer_access", args=[c.pk])


def test_url_names() -> None:
    assert reverse("console:privacy_reveal", args=[7, "phone"]) == "/privacy/customers/7/reveal/phone/"
    assert reverse("console:privacy_customer_access", args=[7]) == "/privacy/customers/7/access/"
    assert reverse("console:privacy_unusual") == "/privacy/unusual/"


def test_opening_the_customer_page_is_recorded(world) -> None:  # type: ignore[no-untyped-def]
    c = world.customer("张三", "13800138000")
    client_for(world.agent).get(reverse("console:customer_detail", args=[c.pk]))
    rec = AccessRecord.objects.get()
    assert (rec.kind, rec.customer_id, rec.user_id, rec.where) == (
        "view",
        c.pk,
        world.agent.user_id,
        f"/customers/{c.pk}/",
    )
    # a customer of another branch: 404 and nothing recorded
    south = world.customer("南城", "13500135000", branch=world.south)
    assert client_for(world.agent).get(reverse("console:customer_detail", args=[south.pk])).status_code == 404
    assert AccessRecord.objects.count() == 1
    # the edit form shows every field in full: a view too
    client_for(world.agent).get(reverse("console:customer_edit", args=[c.pk]))
    assert AccessRecord.objects.filter(kind="view", field="edit").count() == 1


def test_customer_page_logging_is_one_insert_whatever_the_archive(world) -> None:  # type: ignore[no-untyped-def]
    small = world.customer("甲", "13800138001")
    big = world.customer("乙", "13800138002")
    for i in range(6):
        actions.do_add_record(
            world.agent.user, big.pk, "person", {"name": f"家属{i}", "phone": f"1381111222{i}"}
        )
        actions.do_add_note(world.agent.user, big.pk, f"备注{i}")
        world.order(big, title=f"工单{i}")
    agent = client_for(world.agent)
    agent.get(reverse("console:customer_detail", args=[small.pk]))  # warm caches (sessions, languages)
    with CaptureQueriesContext(connection) as few:
        agent.get(reverse("console:customer_detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as many:
        agent.get(reverse("console:customer_detail", args=[big.pk]))
    assert len(many.captured_queries) == len(few.captured_queries)
    writes = [q["sql"] for q in many.captured_queries if "privacy_accessrecord" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("INSERT")


def test_supervisor_sees_who_looked_in_the_last_six_months(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c = world.customer("张三", "13800138000")
    now = clock.now()
    old = now - dt.timedelta(days=200)
    AccessRecord.objects.create(
        at=old, user=world.agent_senior.user, actor="赵客服 (old)", customer=c, kind="view"
    )
    records.record(world.agent.user, rules.Kind.VIEW, [c.pk], where="/customers/x/")
    records.do_reveal(world.agent.user, c.pk, "phone", "verify_identity")
    body = client_for(world.supervisor).get(access_url(c)).content.decode()
    assert body.count('data-testid="access-row"') == 2
    assert 'data-kind="reveal" data-field="phone" data-reason="verify_identity"' in body
    assert "李客服" in body and "赵客服 (old)" not in body
    # further back on request
    body = client_for(world.supervisor).get(access_url(c), {"months": 12}).content.decode()
    assert body.count('data-testid="access-row"') == 3


def test_access_record_page_is_paged_and_for_auditors_only(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_PAGE_SIZE = 3
    c = world.customer("张三", "13800138000")
    for _ in range(7):
        records.record(world.agent.user, rules.Kind.VIEW, [c.pk])
    sup = client_for(world.supervisor)
    first = sup.get(access_url(c)).content.decode()
    assert first.count('data-testid="access-row"') == 3 and 'id="page-next"' in first
    last = sup.get(access_url(c), {"page": 3}).content.decode()
    assert last.count('data-testid="access-row"') == 1
    with CaptureQueriesContext(connection) as q:
        sup.get(access_url(c), {"page": 2})
    assert not any(x["sql"].startswith("INSERT") for x in q.captured_queries)  # reading it is not logged
    assert client_for(world.agent).get(access_url(c)).status_code == 404
    assert client_for(world.inspector).get(access_url(c)).status_code == 200
    assert client_for(world.supervisor_south).get(access_url(c)).status_code == 404  # another branch's
    # the customer page links to it for auditors only
    page = sup.get(reverse("console:customer_detail", args=[c.pk])).content.decode()
    assert access_url(c) in page
    assert (
        access_url(c)
        not in client_for(world.agent).get(reverse("console:customer_detail", args=[c.pk])).content.decode()
    )


def test_unusual_access_report(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_UNUSUAL_ACCESS_THRESHOLD = 3
    world.area_n1.responsible.add(world.agent)  # 李客服 answers for 和平里
    own = [world.customer(f"和平里{i}", f"1380013800{i}", area_id=world.area_n1.pk) for i in range(4)]
    other = [world.customer(f"北苑{i}", f"1390013900{i}", area_id=world.area_n2.pk) for i in range(3)]
    for c in own + other + other[:1]:
        records.record(world.agent.user, rules.Kind.VIEW, [c.pk])
    # 赵客服 answers for no area: the whole northern branch is theirs
    for c in other:
        records.record(world.agent_senior.user, rules.Kind.VIEW, [c.pk])
    sup = client_for(world.supervisor)
    body = sup.get(reverse("console:privacy_unusual")).content.decode()
    assert body.count('data-testid="unusual-row"') == 1
    assert f'data-badge="{world.agent.badge_no}" data-outside="3"' in body
    assert "<td>7</td>" in body  # customers opened in all
    # a higher threshold, or another day, lists nobody
    assert (
        'data-testid="unusual-row"'
        not in sup.get(reverse("console:privacy_unusual"), {"threshold": 4}).content.decode()
    )
    yesterday = (clock.localdate() - dt.timedelta(days=1)).isoformat()
    assert (
        'data-testid="unusual-row"'
        not in sup.get(reverse("console:privacy_unusual"), {"day": yesterday}).content.decode()
    )
    # the southern supervisor sees only their branch's staff
    assert (
        'data-testid="unusual-row"'
        not in client_for(world.supervisor_south).get(reverse("console:privacy_unusual")).content.decode()
    )
    assert client_for(world.agent).get(reverse("console:privacy_unusual")).status_code == 404


def test_unusual_access_query_count_is_constant(world) -> None:  # type: ignore[no-untyped-def]
    world.area_n1.responsible.add(world.agent)
    cs = [world.customer(f"北苑{i}", f"1390013900{i}", area_id=world.area_n2.pk) for i in range(6)]
    start = clock.now() - dt.timedelta(hours=1)
    from kefu.organization.models import Staff
    from kefu.privacy import queries

    records.record(world.agent.user, rules.Kind.VIEW, [cs[0].pk])
    with CaptureQueriesContext(connection) as few:
        queries.unusual_access(start, start + dt.timedelta(hours=2), 1, Staff.objects.all())
    for c in cs[1:]:
        records.record(world.agent.user, rules.Kind.VIEW, [c.pk])
        records.record(world.agent_senior.user, rules.Kind.API, [c.pk])
    with CaptureQueriesContext(connection) as many:
        rows = queries.unusual_access(start, start + dt.timedelta(hours=2), 1, Staff.objects.all())
    assert len(many.captured_queries) == len(few.captured_queries) == 3
    assert [(r["staff"].pk, r["outside"]) for r in rows] == [(world.agent.pk, 6)]


def test_record_is_one_insert_and_skips_duplicates(world) -> None:  # type: ignore[no-untyped-def]
    a, b = world.customer("甲", "13800138001"), world.customer("乙", "13800138002")
    with CaptureQueriesContext(connection) as q:
        n = records.record(world.agent.user, rules.Kind.API, [a.pk, b.pk, a.pk], field="masked")
    assert n == 2 and len(q.captured_queries) == 1
    assert records.record(world.agent.user, rules.Kind.API, []) == 0


def test_prune_access_records(world) -> None:  # type: ignore[no-untyped-def]
    c = world.customer("张三", "13800138000")
    now = clock.now()
    for days in (400, 366, 10):
        AccessRecord.objects.create(at=now - dt.timedelta(days=days), actor="x", customer=c, kind="view")
    cutoff = now - dt.timedelta(days=365)
    with transaction.atomic():
        assert retention.prune_access_records(cutoff, 1).deleted == 1  # at most one batch
        assert retention.prune_access_records(cutoff, 500).deleted == 1
        assert retention.prune_access_records(cutoff, 500).empty  # exactly once
    assert list(AccessRecord.objects.values_list("at", flat=True)) == [now - dt.timedelta(days=10)]
    assert registry.load_handlers()["access_records"] is retention.prune_access_records
    with pytest.raises(ValueError, match="aware"):
        retention.prune_access_records(dt.datetime(2026, 1, 1), 500)


def test_back_office_lists_access_records_read_only(world) -> None:  # type: ignore[no-untyped-def]
    c = world.customer("张三", "13800138000")
    records.do_reveal(world.agent.user, c.pk, "address", "site_visit")
    admin = client_for(world.admin)
    body = admin.get("/admin/privacy/accessrecord/").content.decode()
    assert "李客服" in body and "visiting on site" in body
    rec = AccessRecord.objects.get()
    assert admin.post(f"/admin/privacy/accessrecord/{rec.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessRecord.objects.count() == 1

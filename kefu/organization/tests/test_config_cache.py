"""The per-process cache of the configuration tables: read again when a table of its group changes by
any means (trigger on the table), one version query per request, a request sees its own writes, a
rolled-back change is not mistaken for the state after it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from kefu.commitments.models import Service
from kefu.organization import config_cache
from kefu.organization.models import Department, ServiceArea

pytestmark = pytest.mark.django_db


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    def areas(self) -> list[str]:
        self.calls += 1
        return list(ServiceArea.objects.order_by("code").values_list("name", flat=True))


def test_read_again_after_a_bulk_update_that_sends_no_signal(world: Any) -> None:
    load = Loader()
    first = config_cache.cached(config_cache.ORGANIZATION, "t:areas", load.areas)
    assert "和平里片区" in first
    assert config_cache.cached(config_cache.ORGANIZATION, "t:areas", load.areas) == first
    assert load.calls == 1
    ServiceArea.objects.filter(pk=world.area_n1.pk).update(name="新片区")  # queryset update: no post_save
    again = config_cache.cached(config_cache.ORGANIZATION, "t:areas", load.areas)
    assert load.calls == 2 and "新片区" in again and "和平里片区" not in again


def test_a_change_in_another_group_keeps_the_cache(world: Any) -> None:
    load = Loader()
    config_cache.cached(config_cache.ORGANIZATION, "t:areas2", load.areas)
    Service.objects.filter(pk=world.service_fault.pk).update(name="改名")
    config_cache.cached(config_cache.ORGANIZATION, "t:areas2", load.areas)
    assert load.calls == 1


def test_one_version_query_per_request_and_the_request_sees_its_own_save(world: Any) -> None:
    load = Loader()
    # what a request's signals do to the cache (sent without Django's close_old_connections receiver,
    # as the test client does: the test's connection stays open)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        with CaptureQueriesContext(connection) as ctx:
            config_cache.cached(config_cache.ORGANIZATION, "t:areas3", load.areas)
            config_cache.cached(config_cache.ORGANIZATION, "t:areas3", load.areas)
            config_cache.cached(config_cache.COMMITMENTS, "t:none", lambda: 0)
        versions = [q for q in ctx.captured_queries if "kefu_config_version" in q["sql"]]
        assert len(versions) == 1
        area = ServiceArea.objects.get(pk=world.area_n1.pk)
        area.name = "另一片区"
        area.save()  # post_save: this request reads the tokens again
        assert "另一片区" in config_cache.cached(config_cache.ORGANIZATION, "t:areas3", load.areas)
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert load.calls == 2


def test_a_rolled_back_change_is_not_taken_for_the_current_state(world: Any) -> None:
    load = Loader()
    config_cache.cached(config_cache.ORGANIZATION, "t:areas4", load.areas)
    with pytest.raises(RuntimeError), transaction.atomic():
        ServiceArea.objects.filter(pk=world.area_n1.pk).update(name="临时")
        assert "临时" in config_cache.cached(config_cache.ORGANIZATION, "t:areas4", load.areas)
        raise RuntimeError("roll back")
    after = config_cache.cached(config_cache.ORGANIZATION, "t:areas4", load.areas)
    assert "和平里片区" in after and "临时" not in after


def test_every_table_of_a_group_bumps_its_token(world: Any) -> None:
    from kefu.organization.models import ConfigVersion

    def token(group: str) -> int:
        return ConfigVersion.objects.get(name=group).token

    before = token(config_cache.ORGANIZATION)
    Department.objects.filter(pk=world.technician.department_id).update(name="维修二班")
    middle = token(config_cache.ORGANIZATION)
    assert middle != before
    c_before = token(config_cache.COMMITMENTS)
    Service.objects.filter(pk=world.service_fault.pk).update(name="宽带报修")
    assert token(config_cache.COMMITMENTS) != c_before
    assert token(config_cache.ORGANIZATION) == middle


def test_row_hands_out_a_copy(world: Any) -> None:
    def load() -> dict[int, ServiceArea]:
        return {a.pk: a for a in ServiceArea.objects.all()}

    a = config_cache.row(config_cache.ORGANIZATION, "t:by_pk", load, world.area_n1.pk)
    a.name = "改了副本"
    b = config_cache.row(config_cache.ORGANIZATION, "t:by_pk", load, world.area_n1.pk)
    assert b.name == "和平里片区" and b.pk == a.pk
    assert config_cache.row(config_cache.ORGANIZATION, "t:by_pk", load, -1) is None


@pytest.mark.django_db(transaction=True)
def test_sqlite_tables_keep_their_version_triggers_after_migrations() -> None:
    """A migration that adds a column rebuilds the SQLite table without its triggers; post_migrate puts every
    missing one back, so every cached table (the SMS templates too) still bumps its group's version."""
    from django.db import connection

    from kefu.organization import config_cache

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps triggers through ALTER TABLE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {n for (n,) in cursor.fetchall()}
    expected = {
        f"kefu_cv_{t}_{op}" for t in config_cache.TABLE_GROUP for op in ("insert", "update", "delete")
    }
    assert expected <= names, sorted(expected - names)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER kefu_cv_channels_smstemplate_update")
    assert config_cache.ensure_sqlite_triggers() == ["channels_smstemplate"]
    assert config_cache.ensure_sqlite_triggers() == []
    from kefu.channels.models.endpoints import SmsTemplate, SmsTemplateCode

    template = SmsTemplate.objects.create(code=SmsTemplateCode.PORTAL_LINK, text="登录链接 {url}")
    config_cache.clear()
    before = config_cache.token(config_cache.SMS_TEMPLATES)
    with connection.cursor() as cursor:  # raw SQL: only the (reinstalled) trigger can notice it
        cursor.execute("UPDATE channels_smstemplate SET text = 'x' WHERE id = %s", [template.pk])
    config_cache.clear()
    assert config_cache.token(config_cache.SMS_TEMPLATES) != before

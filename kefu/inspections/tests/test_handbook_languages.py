"""The employee handbook per language (docs/adr/0008-content-translations.md): the old ``title_en`` column is
carried into ``translations`` by migration 0005 and dropped by 0006; staff read a page in their language with
the Simplified Chinese text where a language has none; administrators edit every language in the console."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.inspections import handbook_edit
from kefu.inspections.models import HandbookPage
from kefu.lib.errors import PermissionDenied, ValidationFailed

BEFORE = [("inspections", "0004_remove_english_columns")]
AFTER = [("inspections", "0006_remove_handbookpage_title_en")]


def client_for(staff: Any, lang: str = "en") -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


@pytest.mark.django_db(transaction=True)
def test_migration_carries_title_en_into_translations_and_drops_it() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    Page = old_apps.get_model("inspections", "HandbookPage")
    Page.objects.all().delete()
    mine = Page.objects.create(
        title="投诉处理", title_en="  Handling complaints ", body="先道歉。", position=5
    )
    untitled = Page.objects.create(title="只有中文", title_en="", position=6)
    default = Page.objects.create(
        title="服务礼仪", title_en="Service etiquette", body="面对面和电话服务中的基本礼仪。"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert "title_en" not in {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), HandbookPage._meta.db_table
        )
    }
    page = HandbookPage.objects.get(pk=mine.pk)
    assert page.translations == {"en": {"title": "Handling complaints"}}
    assert HandbookPage.objects.get(pk=untitled.pk).translations == {}
    etiquette = HandbookPage.objects.get(pk=default.pk)
    # a default page gets its texts in every language (what an administrator had is kept)
    assert etiquette.tr("title", "en") == "Service etiquette"
    assert etiquette.tr("title", "hu") == "Ügyfélszolgálati illemtan"
    assert etiquette.tr("body", "zh-hant") == "面對面和電話服務中的基本禮儀。"

    # and back: the English title returns to its column
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    Page = executor.loader.project_state(BEFORE).apps.get_model("inspections", "HandbookPage")
    assert Page.objects.get(pk=mine.pk).title_en == "Handling complaints"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    HandbookPage.objects.all().delete()


@pytest.mark.django_db
def test_a_page_in_the_readers_language_with_the_fallback() -> None:
    page = HandbookPage.objects.create(
        title="投诉处理",
        body="先道歉。\n\n再记录。",
        dos="倾听\n记录",
        donts="争辩",
        translations={
            "en": {"title": "Complaints", "dos": "Listen\nWrite it down"},
            "hu": {"title": "Panaszok"},
        },
    )
    with translation.override("en"):
        assert page.display_title == "Complaints"
        assert page.do_list() == ["Listen", "Write it down"]
        assert page.dont_list() == ["争辩"]  # no English: the Simplified Chinese text
        assert page.display_body == "先道歉。\n\n再记录。"
    with translation.override("hu"):
        assert page.display_title == "Panaszok" and page.do_list() == ["倾听", "记录"]
    with translation.override("zh-hant"):
        assert page.display_title == "投诉处理"
    assert page.missing_translations() == {
        "en": ["body", "donts"],
        "zh-hant": ["title", "body", "dos", "donts"],
        "hu": ["body", "dos", "donts"],
    }


@pytest.mark.django_db
def test_the_handbook_is_read_in_hungarian(world: Any) -> None:
    HandbookPage.objects.all().delete()
    HandbookPage.objects.create(
        title="服务礼仪",
        body="基本礼仪。",
        dos="主动问候",
        translations={
            "hu": {"title": "Illemtan", "body": "Alapvető illemszabályok.", "dos": "Köszönjön elsőként"}
        },
    )
    page = client_for(world.agent, "hu").get("/inspections/handbook/").content.decode()
    assert "Illemtan" in page and "Alapvető illemszabályok." in page and "Köszönjön elsőként" in page
    assert "服务礼仪" not in page and "主动问候" not in page


@pytest.mark.django_db
def test_editor_saves_every_language_with_the_audit_record(world: Any) -> None:
    page = handbook_edit.do_save_page(
        world.admin.user,
        None,
        {
            "title": "投诉处理",
            "body": "先道歉。\r\n\r\n再记录。",
            "dos": "倾听",
            "donts": "",
            "title__en": "Complaints",
            "body__en": "Apologise first.",
            "title__hu": "Panaszok",
            "title__zh-hant": "",
            "position": "30",
            "published": "1",
        },
    )
    assert page.body == "先道歉。\n\n再记录。" and page.position == 30 and page.published
    assert page.translations == {
        "en": {"title": "Complaints", "body": "Apologise first."},
        "hu": {"title": "Panaszok"},
    }
    record = AuditRecord.objects.get(action="handbook_page.created", object_id=str(page.pk))
    assert record.after is not None and record.after["translations"]["hu"] == {"title": "Panaszok"}
    handbook_edit.do_save_page(
        world.admin.user, page.pk, {"title": "投诉处理", "title__hu": "", "position": "30"}
    )
    page.refresh_from_db()
    assert page.tr("title", "hu") == "投诉处理" and not page.published
    assert page.tr("title", "en") == "Complaints"  # rows not sent stay as they were
    assert AuditRecord.objects.filter(action="handbook_page.changed", object_id=str(page.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x", "title__en": "y" * 201}, "title__en"),
        ({"title": "x", "position": "-1"}, "position"),
        ({"title": "x", "position": "40000"}, "position"),
    ],
)
def test_editor_refuses_bad_input_naming_the_field(world: Any, data: dict[str, str], field: str) -> None:
    before = HandbookPage.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        handbook_edit.do_save_page(world.admin.user, None, data)
    assert exc.value.field == field
    assert HandbookPage.objects.count() == before


@pytest.mark.django_db
def test_handbook_editor_pages(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        handbook_edit.do_save_page(world.supervisor.user, None, {"title": "x"})
    assert client_for(world.supervisor).get("/config/handbook/").status_code == 404
    c = client_for(world.admin)
    page = HandbookPage.objects.create(title="首问负责制", translations={"en": {"title": "First contact"}})
    listing = c.get("/config/handbook/").content.decode()
    assert f'id="handbook-row-{page.pk}"' in listing and "zh-hant" in listing  # falls back there
    form = c.get(f"/config/handbook/{page.pk}/").content.decode()
    assert 'value="First contact"' in form and 'data-testid="fallback-title__hu"' in form
    r = c.post(f"/config/handbook/{page.pk}/", {"title": "", "title__hu": "Első kapcsolat"})
    assert r.status_code == 400 and 'data-testid="error-title"' in r.content.decode()
    assert 'value="Első kapcsolat"' in r.content.decode()  # what was typed is kept
    r = c.post(
        f"/config/handbook/{page.pk}/",
        {"title": "首问负责制", "title__hu": "Első kapcsolat", "published": "1"},
    )
    assert r.status_code == 302
    page.refresh_from_db()
    assert page.tr("title", "hu") == "Első kapcsolat"

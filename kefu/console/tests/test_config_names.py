"""Console → Configuration → company and branch names, and the area's name per language
(docs/adr/0008-content-translations.md): administrators edit the company, branch managers their own branch;
each save is audited; an empty language falls back to the Simplified Chinese name, visibly."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization import config, names_edit

pytestmark = pytest.mark.django_db


def client_for(staff: Any, lang: str = "en") -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


def test_company_names(world: Any) -> None:
    company = names_edit.do_save_company_names(
        world.admin.user,
        {"name": " 示例燃气  公司 ", "name__en": "Example Gas", "name__hu": "", "name__zh-hant": ""},
    )
    assert company.name == "示例燃气 公司"
    assert company.tr("name", "en") == "Example Gas" and company.tr("name", "hu") == "示例燃气 公司"
    assert company.missing_translations() == {"zh-hant": ["name"], "hu": ["name"]}
    record = AuditRecord.objects.get(action="company.names_changed")
    assert record.after == {"name": "示例燃气 公司", "translations": {"en": {"name": "Example Gas"}}}
    with pytest.raises(ValidationFailed) as exc:
        names_edit.do_save_company_names(world.admin.user, {"name": ""})
    assert exc.value.field == "name"
    with pytest.raises(PermissionDenied):
        names_edit.do_save_company_names(world.supervisor.user, {"name": "x"})


def test_branch_names_own_branch_only(world: Any) -> None:
    branch = names_edit.do_save_branch_names(
        world.supervisor.user,
        world.north.pk,
        {
            "name": world.north.name,
            "address": "和平路1号",
            "name__hu": "Északi kirendeltség",
            "address__hu": "Heping út 1.",
        },
    )
    assert branch.tr("name", "hu") == "Északi kirendeltség" and branch.tr("address", "hu") == "Heping út 1."
    assert AuditRecord.objects.filter(action="branch.names_changed", object_id=str(branch.pk)).exists()
    with pytest.raises(NotFound):
        names_edit.do_save_branch_names(world.supervisor.user, world.south.pk, {"name": "x"})
    with pytest.raises(ValidationFailed) as exc:
        names_edit.do_save_branch_names(
            world.supervisor.user, world.north.pk, {"name": "x", "name__en": "y" * 201}
        )
    assert exc.value.field == "name__en"


def test_names_pages(world: Any) -> None:
    sup = client_for(world.supervisor)
    listing = sup.get("/config/names/").content.decode()
    assert f'id="names-branch-{world.north.pk}"' in listing
    assert f'id="names-branch-{world.south.pk}"' not in listing and 'id="names-company"' not in listing
    assert sup.get("/config/names/company/").status_code == 404
    assert sup.get(f"/config/names/branches/{world.south.pk}/").status_code == 404
    form = sup.get(f"/config/names/branches/{world.north.pk}/").content.decode()
    assert 'name="name__hu"' in form and 'data-testid="fallback-name__hu">' in form
    r = sup.post(f"/config/names/branches/{world.north.pk}/", {"name": "", "name__hu": "Észak"})
    assert r.status_code == 400 and 'data-testid="error-name"' in r.content.decode()
    r = sup.post(f"/config/names/branches/{world.north.pk}/", {"name": world.north.name, "name__hu": "Észak"})
    assert r.status_code == 302
    world.north.refresh_from_db()
    assert world.north.tr("name", "hu") == "Észak"
    admin = client_for(world.admin)
    assert 'id="names-company"' in admin.get("/config/names/").content.decode()
    r = admin.post("/config/names/company/", {"name": world.company.name, "name__en": "Example Co."})
    assert r.status_code == 302
    world.company.refresh_from_db()
    assert world.company.tr("name", "en") == "Example Co."


def test_area_name_per_language(world: Any) -> None:
    area = world.area_n1
    data = {
        "branch": str(area.branch_id),
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "households": str(area.households),
        "address_keywords": area.address_keywords,
        "name__en": "Hepingli",
        "name__hu": "Hepingli körzet",
    }
    config.do_save_area(world.admin.user, area.pk, data)
    area.refresh_from_db()
    assert area.tr("name", "hu") == "Hepingli körzet" and area.tr("name", "zh-hant") == area.name
    record = AuditRecord.objects.filter(action="area.changed", object_id=str(area.pk)).latest("id")
    assert record.after is not None and record.after["translations"]["hu"] == {"name": "Hepingli körzet"}
    page = client_for(world.admin).get(f"/config/areas/{area.pk}/").content.decode()
    assert 'value="Hepingli körzet"' in page and 'data-testid="fallback-name__zh-hant"' in page

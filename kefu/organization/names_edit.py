"""Editing the company's and the branches' names in every language (docs/adr/0008-content-translations.md).

The company's name: administrators. A branch's name and address: administrators for every branch, a branch
manager (capability ``config.branch``) for their own. The Simplified Chinese value is the model field
(required for the name); the other languages are in ``translations`` and fall back to it. These are the names
customers read on the disclosure page and in the portal. Every save is one audited transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, branches_of, require_staff
from kefu.organization.config import CAPABILITY as BRANCH_CAPABILITY
from kefu.organization.config import translations_from
from kefu.organization.models import Branch, Company

COMPANY_CAPABILITY = "admin"


def company_fields() -> dict[str, tuple[str, int]]:
    return {"name": (_("Name"), 200)}


def branch_fields() -> dict[str, tuple[str, int]]:
    return {"name": (_("Name"), 200), "address": (_("Address"), 300)}


def _text(data: Mapping[str, Any], name: str, label: str, limit: int, required: bool) -> str:
    value = " ".join(str(data.get(name, "") or "").split())
    if required and not value:
        raise ValidationFailed("required", _("%(field)s is required.") % {"field": label}, name)
    if len(value) > limit:
        raise ValidationFailed(
            "too_long", _("%(field)s is at most %(n)d characters.") % {"field": label, "n": limit}, name
        )
    return value


def do_save_company_names(user: Actor, data: Mapping[str, Any]) -> Company:
    """The company's name from form fields ``name`` and ``name__<language>``."""
    require_staff(user, COMPANY_CAPABILITY)
    with transaction.atomic():
        company = Company.objects.select_for_update().order_by("id").first()
        if company is None:
            raise NotFound("not_found", _("The company is not set up yet."))
        before = audit.snapshot(company)
        company.name = _text(data, "name", _("Name"), 200, required=True)
        company.translations = translations_from(data, company_fields(), company.translations)
        company.save(update_fields=["name", "translations"])
        b, a = audit.diff(before, audit.snapshot(company))
        audit.record(user, "company.names_changed", company, before=b, after=a, summary=company.name)
    return company


def do_save_branch_names(user: Actor, branch_id: int, data: Mapping[str, Any]) -> Branch:
    """A branch's name and address from form fields ``name``, ``address`` and ``<field>__<language>``."""
    staff = require_staff(user, BRANCH_CAPABILITY)
    with transaction.atomic():
        branch = branches_of(staff).select_for_update().filter(pk=branch_id).first()
        if branch is None:
            raise NotFound("not_found", _("No such branch."))
        before = audit.snapshot(branch)
        branch.name = _text(data, "name", _("Name"), 200, required=True)
        branch.address = _text(data, "address", _("Address"), 300, required=False)
        branch.translations = translations_from(data, branch_fields(), branch.translations)
        branch.save(update_fields=["name", "address", "translations"])
        b, a = audit.diff(before, audit.snapshot(branch))
        audit.record(user, "branch.names_changed", branch, before=b, after=a, summary=branch.name)
    return branch

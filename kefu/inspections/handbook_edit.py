"""Editing the employee handbook (员工手册, R-29) in the console, administrators only.

A page has its title (required), text, what to do and what not to do (one per line) in Simplified Chinese,
and the same in each other language in ``translations`` (docs/adr/0008-content-translations.md); staff read
the page in their language, an empty value falls back to the Simplified Chinese one. Pages are unpublished,
not deleted. Every save is one audited transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.inspections.models import HandbookPage
from kefu.lib.content_i18n import content_languages, with_translation
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff

CAPABILITY = "admin"


def fields() -> dict[str, tuple[str, int]]:
    """The page's translatable fields: label, longest value."""
    return {
        "title": (_("Title"), 200),
        "body": (_("Text"), 20000),
        "dos": (_("What to do"), 5000),
        "donts": (_("What not to do"), 5000),
    }


def pages() -> QuerySet[HandbookPage]:
    return HandbookPage.objects.order_by("position", "id")


def _value(data: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key, "") or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise ValidationFailed("required", _("%(field)s is required.") % {"field": label}, key)
    if len(value) > limit:
        raise ValidationFailed(
            "too_long", _("%(field)s is at most %(n)d characters.") % {"field": label, "n": limit}, key
        )
    return value


def do_save_page(user: Actor, page_id: int | None, data: Mapping[str, Any]) -> HandbookPage:
    """Create or change a page from form fields: title, body, dos, donts (Simplified Chinese), the same with
    ``__<language>``, position, published."""
    require_staff(user, CAPABILITY)
    with transaction.atomic():
        if page_id is None:
            page, before = HandbookPage(), {}
        else:
            found = HandbookPage.objects.select_for_update().filter(pk=page_id).first()
            if found is None:
                raise NotFound("not_found", _("No such handbook page."))
            page, before = found, audit.snapshot(found)
        for name, (label, limit) in fields().items():
            setattr(page, name, _value(data, name, str(label), limit, required=name == "title"))
        translations = dict(page.translations or {})
        for lang in content_languages():
            for name, (label, limit) in fields().items():
                key = f"{name}__{lang}"
                if key in data:
                    value = _value(data, key, f"{label} ({lang})", limit)
                    translations = with_translation(translations, lang, name, value)
        page.translations = translations
        position = str(data.get("position", page.position)).strip()
        if not position.isdecimal() or int(position) > 32767:
            raise ValidationFailed(
                "position", _("The position is a whole number from 0 to 32767."), "position"
            )
        page.position = int(position)
        page.published = bool(data.get("published"))
        page.save()
        audit.record(
            user,
            "handbook_page.created" if not before else "handbook_page.changed",
            page,
            before=before,
            after=audit.snapshot(page),
            summary=page.title,
        )
    return page

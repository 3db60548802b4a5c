"""Back-office changes are customer-service actions too (R-33): log every admin save and delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from kefu.audit import log as audit


class AuditedAdmin(admin.ModelAdmin):
    """ModelAdmin whose saves and deletes write the service log in the admin's transaction, inline rows too."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit.snapshot(old) if old is not None else None
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj)
        if before is not None:
            before, after = audit.diff(before, after)
        audit.record(
            request.user,
            f"admin.{'change' if change else 'add'}",
            obj,
            before=before,
            after=after,
            summary=str(obj)[:200],
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        snap = audit.snapshot(obj)
        pk = obj.pk
        label = obj._meta.label_lower
        super().delete_model(request, obj)
        audit.record(request.user, "admin.delete", object_type=label, object_id=pk, before=snap)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        model = formset.model
        label = model._meta.label_lower
        deleted_pks = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
        changed_pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk and f.has_changed()]
        before = {
            o.pk: audit.snapshot(o) for o in model._default_manager.filter(pk__in=deleted_pks + changed_pks)
        }
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(request.user, "admin.add", obj, after=audit.snapshot(obj), summary=str(obj)[:200])
        for obj, _fields in formset.changed_objects:
            old, new = audit.diff(before.get(obj.pk, {}), audit.snapshot(obj))
            audit.record(request.user, "admin.change", obj, before=old, after=new, summary=str(obj)[:200])
        for pk in deleted_pks:
            audit.record(request.user, "admin.delete", object_type=label, object_id=pk, before=before.get(pk))

"""Catalogue revisions become patches (the changed fields and rows with before and after values) with the
statuses pending / applied / cancelled / conflict; the existing whole-entry revisions are converted:

- applied ones: what changed from the previous applied one of the service (the first one: the field changes
  its ``changes`` recorded, or everything when it created the service);
- pending and replaced ("superseded", now cancelled) ones: what they change against the entry in effect when
  they were saved (the latest applied revision before them, else the entry now), so an immediate change
  saved after them is no longer overwritten when they apply.

Backwards, a pending (or conflicting) patch becomes again the whole entry it would make of the entry now.
"""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kefu.commitments import catalogue_patch as patches


def _json(value):
    return str(value.quantize(Decimal("0.01"))) if isinstance(value, Decimal) else value


def _live(apps, service_id):
    """The service's entry now, as ``commitments.catalogue.entry_of`` gives it (historical models)."""
    Service = apps.get_model("commitments", "Service")
    s = Service.objects.get(pk=service_id)
    entry: dict = {"service": {f: _json(getattr(s, f)) for f in patches.SERVICE_FIELDS}}
    models_ = {
        "limits": (apps.get_model("commitments", "TimeLimit"), ("kind", "id")),
        "materials": (apps.get_model("commitments", "ServiceMaterial"), ("order", "id")),
        "steps": (apps.get_model("commitments", "ServiceStep"), ("order", "id")),
        "fees": (apps.get_model("commitments", "ServiceFee"), ("order", "id")),
    }
    for section, (model, order) in models_.items():
        fields = patches.ROW_FIELDS[section]
        entry[section] = [
            {"id": o.pk, **{f: _json(getattr(o, f)) for f in fields}}
            for o in model.objects.filter(service_id=service_id).order_by(*order)
        ]
    return entry


def _is_snapshot(data):
    return isinstance(data, dict) and "service" in data and data.get("v") != patches.PATCH_VERSION


def forward(apps, schema_editor):
    Revision = apps.get_model("commitments", "ServiceRevision")
    for service_id in sorted(set(Revision.objects.values_list("service_id", flat=True))):
        revisions = list(Revision.objects.filter(service_id=service_id).order_by("created_at", "id"))
        snapshots = {r.pk: r.patch for r in revisions if _is_snapshot(r.patch)}
        applied = sorted(
            (r for r in revisions if r.status == "applied" and r.pk in snapshots),
            key=lambda r: (r.applied_at or r.created_at, r.pk),
        )
        previous = None
        for r in applied:
            if previous is None and not (r.changes and r.changes[0].get("field") == "created"):
                patch = {
                    "v": patches.PATCH_VERSION,
                    "created": False,
                    "service": {
                        c["field"]: {"before": c.get("before"), "after": c.get("after")}
                        for c in r.changes or []
                        if "before" in c and "after" in c
                    },
                    "rows": {},
                }
            else:
                patch = patches.diff(previous, snapshots[r.pk])
            previous = snapshots[r.pk]
            r.patch = patch
            r.save(update_fields=["patch"])
        live = None
        for r in revisions:
            if r.status not in ("pending", "superseded") or r.pk not in snapshots:
                continue
            earlier = [a for a in applied if (a.applied_at or a.created_at) <= r.created_at]
            if earlier:
                base = snapshots[earlier[-1].pk]
            else:
                live = live or _live(apps, service_id)
                base = live
            r.patch = patches.diff(base, snapshots[r.pk])
            r.changes = patches.summary(r.patch)
            r.status = "cancelled" if r.status == "superseded" else "pending"
            r.save(update_fields=["patch", "changes", "status"])


def backward(apps, schema_editor):
    Revision = apps.get_model("commitments", "ServiceRevision")
    for r in Revision.objects.exclude(status="applied").order_by("effective_from", "id"):
        if r.status in ("pending", "conflict") and r.patch.get("v") == patches.PATCH_VERSION:
            r.patch, _conflicts = patches.apply_patch(_live(apps, r.service_id), r.patch, force=True)
        r.status = "pending" if r.status in ("pending", "conflict") else "superseded"
        r.save(update_fields=["patch", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0017_service_name_en_to_translations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="servicerevision", old_name="data", new_name="patch"),
        migrations.AlterField(
            model_name="servicerevision",
            name="patch",
            field=models.JSONField(default=dict, verbose_name="changed fields and rows, before and after"),
        ),
        migrations.AddField(
            model_name="servicerevision",
            name="conflicts",
            field=models.JSONField(blank=True, default=list, verbose_name="conflicts"),
        ),
        migrations.AddField(
            model_name="servicerevision",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled or applied anyway at"),
        ),
        migrations.AddField(
            model_name="servicerevision",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="cancelled or applied anyway by",
            ),
        ),
        migrations.AlterField(
            model_name="servicerevision",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("applied", "applied"),
                    ("cancelled", "cancelled"),
                    ("conflict", "conflict"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]

"""The R-26 complaint causes (editable in the admin afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.complaints.taxonomy import seed_causes

    seed_causes(apps.get_model("complaints", "ComplaintCause"))


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.complaints.taxonomy import CAUSES

    Cause = apps.get_model("complaints", "ComplaintCause")
    Cause.objects.filter(code__in=[c[0] for c in CAUSES], records__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_customer_types_causes_compensation")]

    operations = [migrations.RunPython(seed, unseed)]

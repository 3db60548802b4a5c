from django.conf import settings
from django.db import migrations, models


def from_branch(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Existing customers are written to in their branch's language."""
    Customer = apps.get_model("customers", "Customer")
    Branch = apps.get_model("organization", "Branch")
    for branch_id, language in Branch.objects.values_list("id", "language"):
        Customer.objects.filter(branch_id=branch_id, language="").update(language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_report_indexes"),
        ("organization", "0004_branch_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="language",
            field=models.CharField(
                blank=True, choices=settings.LANGUAGES, max_length=10, verbose_name="language"
            ),
        ),
        migrations.RunPython(from_branch, migrations.RunPython.noop),
    ]

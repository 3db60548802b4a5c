"""An incident's public title, address range and cause per language (docs/adr/0008-content-translations.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
    ]

"""A campaign's notice per language: each household gets it in its customer's language
(docs/adr/0008-content-translations.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fieldservice", "0004_merge_20261208_0225")]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
    ]

"""The company's, branches' and service areas' names (and the branch address) per language
(docs/adr/0008-content-translations.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organization", "0009_outlet_translations")]

    operations = [
        migrations.AddField(
            model_name="company",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.AddField(
            model_name="branch",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.AddField(
            model_name="servicearea",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
    ]

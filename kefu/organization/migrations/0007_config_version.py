"""The configuration version table and the triggers of the organisation tables (kefu.organization.config_cache)."""

from django.db import migrations, models

TABLES = ("organization_branch", "organization_department", "organization_servicearea")


def install(apps, schema_editor):
    from kefu.organization.config_cache import install_triggers

    install_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers

    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("organization", "0006_merge_20261207_1736")]

    operations = [
        migrations.CreateModel(
            name="ConfigVersion",
            fields=[
                ("name", models.CharField(max_length=60, primary_key=True, serialize=False)),
                ("token", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "configuration version", "db_table": "kefu_config_version"},
        ),
        migrations.RunPython(install, drop),
    ]

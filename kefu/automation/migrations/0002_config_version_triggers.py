"""The configuration-version triggers of the triggers and webhooks (kefu.organization.config_cache: whether
an event interests any is read once per change, not per event)."""

from django.db import migrations

TABLES = ("automation_trigger", "automation_webhook")


def install(apps, schema_editor):
    from kefu.organization.config_cache import install_triggers

    install_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers

    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_automation"),
        ("organization", "0007_config_version"),
    ]

    operations = [migrations.RunPython(install, drop)]

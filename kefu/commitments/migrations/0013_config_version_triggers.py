"""The configuration-version triggers of the service catalogue's tables (kefu.organization.config_cache)."""

from django.db import migrations

TABLES = ("commitments_service", "commitments_timelimit", "commitments_servicematerial")


def install(apps, schema_editor):
    from kefu.organization.config_cache import install_triggers

    install_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers

    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0012_emergency_first_response"),
        ("organization", "0007_config_version"),
    ]

    operations = [migrations.RunPython(install, drop)]

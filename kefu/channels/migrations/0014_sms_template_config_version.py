"""The configuration-version trigger of the SMS templates (kefu.organization.config_cache: a reply reads
them once per change, not per reply)."""

from django.db import migrations

TABLES = ("channels_smstemplate",)


def install(apps, schema_editor):
    from kefu.organization.config_cache import install_triggers

    install_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers

    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0013_email_signatures"),
        ("organization", "0007_config_version"),
    ]

    operations = [migrations.RunPython(install, drop)]

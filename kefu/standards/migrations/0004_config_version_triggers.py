"""The configuration-version triggers of the forbidden phrases and greeting rules
(kefu.organization.config_cache: a reply's checks read them once per change, not per reply)."""

from django.db import migrations

TABLES = ("standards_forbiddenphrase", "standards_greetingrule")


def install(apps, schema_editor):
    from kefu.organization.config_cache import install_triggers

    install_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers

    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0003_forbidden_phrase_language"),
        ("organization", "0007_config_version"),
    ]

    operations = [migrations.RunPython(install, drop)]

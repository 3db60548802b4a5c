"""The English service name moves into ``translations["en"]["name"]`` (docs/adr/0008-content-translations.md);
``name_en`` stays as a copy of it for older API clients.

Adding the ``translations`` columns rebuilds the tables on SQLite, which drops their configuration-version
triggers (kefu.organization.config_cache): they are installed again here (PostgreSQL keeps them; dropping
and creating them again is harmless there)."""

from django.db import migrations


def forward(apps, schema_editor):
    Service = apps.get_model("commitments", "Service")
    for s in Service.objects.exclude(name_en="").only("pk", "name_en", "translations"):
        values = dict(s.translations or {})
        en = dict(values.get("en") or {})
        if not en.get("name"):
            en["name"] = s.name_en
            values["en"] = en
            Service.objects.filter(pk=s.pk).update(translations=values)


def backward(apps, schema_editor):
    Service = apps.get_model("commitments", "Service")
    for s in Service.objects.only("pk", "name_en", "translations"):
        name = ((s.translations or {}).get("en") or {}).get("name")
        if name and name != s.name_en:
            Service.objects.filter(pk=s.pk).update(name_en=name)


TABLES = ("commitments_service", "commitments_timelimit", "commitments_servicematerial")


def reinstall_triggers(apps, schema_editor):
    from kefu.organization.config_cache import drop_triggers, install_triggers

    drop_triggers(schema_editor, TABLES)
    install_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0016_catalogue_translations_revisions")]

    operations = [
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
    ]

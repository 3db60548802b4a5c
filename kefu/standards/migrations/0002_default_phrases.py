"""Default phrase library, the forbidden phrases of R-24 and the greeting rules (kefu/standards/defaults.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from kefu.standards.defaults import seed as seed_defaults

    seed_defaults(
        apps.get_model("standards", "StandardPhrase"),
        apps.get_model("standards", "ForbiddenPhrase"),
        apps.get_model("standards", "GreetingRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

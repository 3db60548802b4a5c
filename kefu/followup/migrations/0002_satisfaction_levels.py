"""The four satisfaction answers of the practice (editable in the back office afterwards)."""

from django.db import migrations

LEVELS = [
    ("very_satisfied", "非常满意", "very satisfied", 10, True),
    ("satisfied", "满意", "satisfied", 20, True),
    ("basically_satisfied", "基本满意", "basically satisfied", 30, True),
    ("dissatisfied", "不满意", "dissatisfied", 40, False),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Level = apps.get_model("followup", "SatisfactionLevel")
    for code, label, label_en, position, satisfied in LEVELS:
        Level.objects.get_or_create(
            code=code,
            defaults={"label": label, "label_en": label_en, "position": position, "satisfied": satisfied},
        )


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

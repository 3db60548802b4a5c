"""Score sheets get their total points (满分) and versions, items a code (the console's score-sheet editor).

Existing sheets: the total is what their items add up to (so every sheet is consistent), items get codes by
category and position (L1, L2 … for language, A attitude, P appearance, F facilities, Q quality).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

PREFIX = {"language": "L", "attitude": "A", "appearance": "P", "facilities": "F", "quality": "Q"}


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Sheet = apps.get_model("inspections", "ScoreSheet")
    Item = apps.get_model("inspections", "ScoreItem")
    for sheet in Sheet.objects.all():
        items = list(Item.objects.filter(sheet=sheet).order_by("position", "id"))
        total = sum(i.max_points for i in items)
        if items and 1 <= total <= 1000:
            sheet.total_points = total
            sheet.save(update_fields=["total_points"])
        counters: dict[str, int] = {}
        for item in items:
            if item.code:
                continue
            prefix = PREFIX.get(item.category, "X")
            counters[prefix] = counters.get(prefix, 0) + 1
            item.code = f"{prefix}{counters[prefix]}"
            item.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_remove_english_columns")]

    operations = [
        migrations.AddField(
            model_name="scoresheet",
            name="total_points",
            field=models.PositiveSmallIntegerField(
                default=100,
                help_text="满分: the items' maximum points add up to it.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(1000),
                ],
                verbose_name="total points",
            ),
        ),
        migrations.AddField(
            model_name="scoresheet",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="scoresheet",
            name="previous",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="next_version",
                to="inspections.scoresheet",
                verbose_name="previous version",
            ),
        ),
        migrations.AddField(
            model_name="scoreitem",
            name="code",
            field=models.CharField(
                blank=True,
                help_text="A short key of the item (e.g. L1), unique on its sheet and kept by its later versions.",
                max_length=20,
                verbose_name="code",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="scoreitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("code", ""), _negated=True),
                fields=("sheet", "code"),
                name="scoreitem_code_once",
            ),
        ),
    ]

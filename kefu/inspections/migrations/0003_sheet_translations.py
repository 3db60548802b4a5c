"""Score sheets and items: the English name/text moves into ``translations`` beside Hungarian and Traditional
Chinese (docs/adr/0008-content-translations.md); the default sheets get those languages."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from kefu.inspections.defaults import translate_defaults

    Sheet = apps.get_model("inspections", "ScoreSheet")
    Item = apps.get_model("inspections", "ScoreItem")
    for model, old, new in ((Sheet, "name_en", "name"), (Item, "text_en", "text")):
        for row in model.objects.exclude(**{old: ""}):
            row.translations = {**(row.translations or {}), "en": {new: getattr(row, old)}}
            row.save(update_fields=["translations"])
    translate_defaults(Sheet, Item)


def backwards(apps, schema_editor):
    Sheet = apps.get_model("inspections", "ScoreSheet")
    Item = apps.get_model("inspections", "ScoreItem")
    for model, old, new in ((Sheet, "name_en", "name"), (Item, "text_en", "text")):
        for row in model.objects.all():
            setattr(row, old, ((row.translations or {}).get("en") or {}).get(new, "")[:200])
            row.save(update_fields=[old])


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_default_sheets")]

    operations = [
        migrations.AddField(
            model_name="scoresheet",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.AddField(
            model_name="scoreitem",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

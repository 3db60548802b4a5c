"""Handbook pages: the English title moves into ``translations`` beside Hungarian and Traditional Chinese,
and the default pages get their texts in those languages (docs/adr/0008-content-translations.md). 0006 drops
the ``title_en`` column."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from kefu.inspections.defaults import translate_handbook

    Page = apps.get_model("inspections", "HandbookPage")
    for page in Page.objects.exclude(title_en=""):
        values = {k: dict(v) for k, v in (page.translations or {}).items()}
        values.setdefault("en", {})["title"] = page.title_en.strip()
        page.translations = values
        page.save(update_fields=["translations"])
    translate_handbook(Page)


def backwards(apps, schema_editor):
    Page = apps.get_model("inspections", "HandbookPage")
    for page in Page.objects.all():
        page.title_en = (((page.translations or {}).get("en") or {}).get("title") or "")[:200]
        page.save(update_fields=["title_en"])


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_remove_english_columns")]

    operations = [
        migrations.AddField(
            model_name="handbookpage",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

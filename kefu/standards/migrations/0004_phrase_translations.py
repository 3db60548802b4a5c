"""Standard phrases: the English text moves into ``translations`` beside Hungarian and Traditional Chinese
(docs/adr/0008-content-translations.md); the default phrases get those languages, the forbidden-phrase lists
the English and Hungarian defaults added since."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from kefu.standards.defaults import PHRASES, phrase_translations, seed

    Phrase = apps.get_model("standards", "StandardPhrase")
    defaults = {zh: phrase_translations(key, en) for key, _situation, zh, en in PHRASES}
    for row in Phrase.objects.all():
        values = {k: dict(v) for k, v in (row.translations or {}).items()}
        if row.text_en:
            values.setdefault("en", {})["text"] = row.text_en
        for lang, entry in defaults.get(row.text_zh, {}).items():
            values.setdefault(lang, {}).setdefault("text", entry["text"])
        row.translations = values
        row.save(update_fields=["translations"])
    seed(Phrase, apps.get_model("standards", "ForbiddenPhrase"), apps.get_model("standards", "GreetingRule"))


def backwards(apps, schema_editor):
    Phrase = apps.get_model("standards", "StandardPhrase")
    for row in Phrase.objects.all():
        row.text_en = ((row.translations or {}).get("en") or {}).get("text", "")
        row.save(update_fields=["text_en"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0003_forbidden_phrase_language")]

    operations = [
        migrations.AddField(
            model_name="standardphrase",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

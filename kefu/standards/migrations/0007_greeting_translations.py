"""Greeting rules: a list of accepted greetings per language in ``translations`` (docs/adr/0008-content-
translations.md); the default rules' one mixed list is split into Simplified Chinese, English, Hungarian and
Traditional Chinese."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from kefu.standards.defaults import translate_greetings

    translate_greetings(apps.get_model("standards", "GreetingRule"))


def backwards(apps, schema_editor):
    Rule = apps.get_model("standards", "GreetingRule")
    for rule in Rule.objects.all():
        extra = []
        for values in (rule.translations or {}).values():
            for phrase in str((values or {}).get("phrases", "")).splitlines():
                if phrase.strip() and phrase.strip() not in rule.phrases.splitlines() + extra:
                    extra.append(phrase.strip())
        if extra:
            rule.phrases = "\n".join([rule.phrases, *extra])
            rule.save(update_fields=["phrases"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0006_merge_20261208_0244")]

    operations = [
        migrations.AddField(
            model_name="greetingrule",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

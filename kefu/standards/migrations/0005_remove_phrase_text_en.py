"""The English text column, moved into ``translations`` by 0004 (a migration of its own: PostgreSQL refuses
to alter a table with the data changes of the same transaction still pending)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("standards", "0004_phrase_translations")]

    operations = [migrations.RemoveField(model_name="standardphrase", name="text_en")]

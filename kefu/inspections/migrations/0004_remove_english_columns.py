"""The English name/text columns, moved into ``translations`` by 0003 (a migration of its own: PostgreSQL
refuses to alter a table with the data changes of the same transaction still pending)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_sheet_translations")]

    operations = [
        migrations.RemoveField(model_name="scoreitem", name="text_en"),
        migrations.RemoveField(model_name="scoresheet", name="name_en"),
    ]

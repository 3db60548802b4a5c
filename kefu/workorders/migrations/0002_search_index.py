from django.db import migrations

from kefu.lib.search_migration import search_index_operation


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [search_index_operation("workorders_workorder")]

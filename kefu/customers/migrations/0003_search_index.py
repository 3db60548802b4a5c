from django.db import migrations

from kefu.lib.search_migration import search_index_operation


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [search_index_operation("customers_customer")]

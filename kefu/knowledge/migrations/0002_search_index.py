from django.db import migrations

from kefu.lib.search_migration import search_index_operation


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_roster")]
    operations = [search_index_operation("knowledge_article")]

"""The handbook page's English title lives in ``translations`` since 0005."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inspections", "0005_handbook_translations")]

    operations = [migrations.RemoveField(model_name="handbookpage", name="title_en")]

"""The KPI definitions changed (the complaint-rate base, satisfaction from every source, outlets):
the figures frozen under the old definitions are dropped once, so that every closed month is counted again
with the new ones — by the job ``reports.close_periods`` on its next run, or at once with
``kefu manage recount_periods`` (docs/kpis.md, "Closed months"). Until then such a month counts live, with
the new definitions. The service log keeps the record of the earlier closes."""

from django.db import migrations


def drop_old_figures(apps, schema_editor):  # type: ignore[no-untyped-def]
    ClosedPeriod = apps.get_model("reports", "ClosedPeriod")
    ClosedPeriod.objects.all().delete()  # cascades to the KPI figures


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_closed_period_provisional"),
        ("surveys", "0004_backfill_satisfaction_records"),
        ("organization", "0004_area_outlet"),
    ]

    operations = [migrations.RunPython(drop_old_figures, migrations.RunPython.noop)]

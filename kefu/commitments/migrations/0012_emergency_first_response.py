"""An emergency is answered within 15 minutes (24×7), whatever channel it came by: without this rule a gas
leak reported on the portal had a first-response limit of one working day, later than its arrival limit."""

from decimal import Decimal

from django.db import migrations

# (kind, channel, area kind, emergencies only, unit, amount, 24x7): kefu.commitments.clocks.DEFAULT_EMERGENCY_LIMITS
LIMITS = [("first_response", "", "", True, "calendar_minutes", 15, True)]


def seed(apps, schema_editor):
    TimeLimit = apps.get_model("commitments", "TimeLimit")
    for kind, channel, area_kind, emergency, unit, amount, around in LIMITS:
        TimeLimit.objects.get_or_create(
            kind=kind,
            order_type="",
            tier="",
            priority="",
            channel=channel,
            area_kind=area_kind,
            emergency=emergency,
            service=None,
            defaults={"unit": unit, "amount": Decimal(amount), "around_the_clock": around},
        )


def unseed(apps, schema_editor):
    TimeLimit = apps.get_model("commitments", "TimeLimit")
    for kind, channel, area_kind, emergency, _unit, _amount, _around in LIMITS:
        TimeLimit.objects.filter(
            kind=kind, order_type="", channel=channel, area_kind=area_kind, emergency=emergency, service=None
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0011_merge_20261207_1729")]

    operations = [migrations.RunPython(seed, unseed)]

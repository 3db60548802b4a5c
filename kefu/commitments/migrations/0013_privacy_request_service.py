"""The personal information request (kefu.rights, docs/privacy.md): a new unit "calendar months" (GDPR
Art. 12(3): one month of receipt) and two services with their resolution limits — 15 working days on the
branch calendar (PIPL practice) and 1 calendar month (branches answering under the GDPR)."""

from decimal import Decimal

from django.db import migrations, models

# (code, name, English name, unit, amount): kefu.commitments.clocks.PRIVACY_SERVICES
SERVICES = [
    ("personal-information-request", "个人信息权利请求", "Personal information request", "working_days", 15),
    ("personal-information-request-gdpr", "个人信息权利请求（GDPR）", "Personal data request (GDPR)", "calendar_months", 1),
]


def seed(apps, schema_editor):
    Service = apps.get_model("commitments", "Service")
    TimeLimit = apps.get_model("commitments", "TimeLimit")
    for code, name, name_en, unit, amount in SERVICES:
        service, _created = Service.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "order_type": "inquiry",
                "sale_phase": "after",
                "technical": False,
                "place": "remote",
                "public": False,
            },
        )
        TimeLimit.objects.get_or_create(
            kind="resolution",
            service=service,
            defaults={"order_type": "inquiry", "unit": unit, "amount": Decimal(amount), "around_the_clock": False},
        )


def unseed(apps, schema_editor):
    Service = apps.get_model("commitments", "Service")
    TimeLimit = apps.get_model("commitments", "TimeLimit")
    codes = [s[0] for s in SERVICES]
    TimeLimit.objects.filter(service__code__in=codes).delete()
    Service.objects.filter(code__in=codes, orders__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0012_emergency_first_response'),
    ]

    operations = [
        migrations.AlterField(
            model_name='orderclock',
            name='unit',
            field=models.CharField(choices=[('calendar_hours', 'calendar hours'), ('calendar_minutes', 'calendar minutes'), ('working_hours', 'working hours'), ('working_days', 'working days'), ('calendar_months', 'calendar months')], max_length=20, verbose_name='unit'),
        ),
        migrations.AlterField(
            model_name='timelimit',
            name='unit',
            field=models.CharField(choices=[('calendar_hours', 'calendar hours'), ('calendar_minutes', 'calendar minutes'), ('working_hours', 'working hours'), ('working_days', 'working days'), ('calendar_months', 'calendar months')], max_length=20, verbose_name='unit'),
        ),
        migrations.RunPython(seed, unseed),
    ]

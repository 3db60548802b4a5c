# Configuration objects changed from a date (kefu.organization.revisions)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organization', '0009_outlet_translations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ConfigRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=60, verbose_name='kind')),
                ('object_id', models.BigIntegerField(verbose_name='object')),
                ('object_label', models.CharField(blank=True, max_length=200, verbose_name='object')),
                ('patch', models.JSONField(default=dict, verbose_name='changes')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                ('effective_from', models.DateTimeField(verbose_name='effective from')),
                ('status', models.CharField(choices=[('pending', 'waiting for its date'), ('applied', 'in effect'), ('cancelled', 'cancelled'), ('conflict', 'not applied: changed meanwhile')], default='pending', max_length=12, verbose_name='status')),
                ('problem', models.CharField(blank=True, max_length=500, verbose_name='why not applied')),
                ('created_at', models.DateTimeField(verbose_name='saved at')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='applied or cancelled at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saved by')),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cancelled by')),
            ],
            options={
                'verbose_name': 'configuration revision',
                'verbose_name_plural': 'configuration revisions',
                'ordering': ['-effective_from', '-id'],
                'indexes': [models.Index(fields=['status', 'effective_from'], name='cfg_revision_due'), models.Index(fields=['kind', 'object_id', 'status'], name='cfg_revision_object')],
            },
        ),
    ]

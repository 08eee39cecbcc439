"""A tenant's data generation (SQLite's counters, PostgreSQL's change log) and the triggers on the accounts tables its dashboard reads (issue 27;
``accounts.data_generation``)."""

from django.db import migrations, models

from accounts.data_generation import migration_operation

# The users (seats, invitations, freezing; contact persons), the inbox and its deliveries, the audit log.
TABLES = [
    ("accounts_user", None),
    ("accounts_invitation", None),
    ("accounts_notification", None),
    ("accounts_delivery", None),
    ("accounts_auditentry", None),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0020_audit_actor_words'),
    ]

    operations = [
        migrations.CreateModel(
            name='DataGeneration',
            fields=[
                ('tenant_id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='tenant')),
                ('generation', models.BigIntegerField(default=0, verbose_name='generation')),
            ],
            options={
                'verbose_name': 'data generation',
                'verbose_name_plural': 'data generations',
            },
        ),
        migrations.CreateModel(
            name='DataChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tenant_id', models.BigIntegerField(verbose_name='tenant')),
                ('changes', models.BigIntegerField(default=1, verbose_name='changes')),
            ],
            options={
                'verbose_name': 'data change',
                'verbose_name_plural': 'data changes',
                'indexes': [models.Index(fields=['tenant_id', 'id', 'changes'], name='accounts_datachange_tenant')],
            },
        ),
        migration_operation(TABLES),
    ]

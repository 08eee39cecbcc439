"""The data generation's UPDATE triggers move the tenants of the old rows as well as the new (issue 27,
``accounts.data_generation``): a row moved out of a tenant, or a grant pointed at another tenant's
or an official campaign, left the tenant it left with dashboard panels kept under a generation that had not moved."""

from django.db import migrations

from accounts.data_generation import migration_refresh

TABLES = [
    ("operations_operationbinding", None),
    ("operations_taskorder", None),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0023_data_generation_old_rows"),
        ("operations", "0003_data_generation_triggers"),
    ]

    operations = [migration_refresh(TABLES)]

"""The dashboard's panel cache (issue 27): operation bindings and task orders (the shop's
operation-account panel) move the tenant's data generation (``accounts.data_generation``)."""

from django.db import migrations

from accounts.data_generation import migration_operation

TABLES = [
    ("operations_operationbinding", None),
    ("operations_taskorder", None),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_data_generation"),
        ("operations", "0002_form_submission"),
    ]

    operations = [migration_operation(TABLES)]

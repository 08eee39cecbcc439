"""The dashboard's panel cache (issue 27): departments and positions (the first steps, and the
department tree an admin's scope follows) move the tenant's data generation
(``accounts.data_generation``)."""

from django.db import migrations

from accounts.data_generation import migration_operation

TABLES = [
    ("orgchart_department", None),
    ("orgchart_position", None),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_data_generation"),
        ("orgchart", "0006_position_cache_generation"),
    ]

    operations = [migration_operation(TABLES)]

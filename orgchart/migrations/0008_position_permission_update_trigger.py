"""An UPDATE of a position's permission link row moves its holders' generation as its INSERT and
DELETE do (issue 27; migration 0006 covered only those two): a ``queryset.update()`` or raw UPDATE
of ``orgchart_position_permissions`` otherwise left the holders' cached permission set (R-14) and
their tenant's kept dashboard panels in place. Both the old and the new row's
position are moved."""

from django.db import migrations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION orgchart_position_permissions_updated() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE position_id IN (SELECT position_id FROM old_links UNION SELECT position_id FROM new_links);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """CREATE TRIGGER orgchart_position_permissions_updated_cache_generation AFTER UPDATE ON orgchart_position_permissions
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION orgchart_position_permissions_updated()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS orgchart_position_permissions_updated_cache_generation ON orgchart_position_permissions",
    "DROP FUNCTION IF EXISTS orgchart_position_permissions_updated()",
]
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS orgchart_position_permissions_updated_cache_generation
    AFTER UPDATE ON orgchart_position_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1
    WHERE position_id IN (OLD.position_id, NEW.position_id); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS orgchart_position_permissions_updated_cache_generation"]


def create_triggers(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("orgchart", "0007_data_generation_triggers"),
        ("accounts", "0019_cache_generation"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

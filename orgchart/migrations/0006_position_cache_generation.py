"""A change to a position or to its permissions moves the cache generation of everyone holding it
(issue 27, ``accounts`` migration 0019): their cached user row and permission set are retired in
the same transaction, whoever writes (R-14)."""

from django.db import migrations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION orgchart_position_changed() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE position_id IN (SELECT id FROM changed_positions);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION orgchart_position_permissions_changed() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE position_id IN (SELECT position_id FROM changed_links);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """CREATE TRIGGER orgchart_position_cache_generation AFTER UPDATE ON orgchart_position
    REFERENCING NEW TABLE AS changed_positions FOR EACH STATEMENT EXECUTE FUNCTION orgchart_position_changed()""",
    """CREATE TRIGGER orgchart_position_permissions_inserted_cache_generation AFTER INSERT ON orgchart_position_permissions
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION orgchart_position_permissions_changed()""",
    """CREATE TRIGGER orgchart_position_permissions_deleted_cache_generation AFTER DELETE ON orgchart_position_permissions
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION orgchart_position_permissions_changed()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS orgchart_position_cache_generation ON orgchart_position",
    "DROP TRIGGER IF EXISTS orgchart_position_permissions_inserted_cache_generation ON orgchart_position_permissions",
    "DROP TRIGGER IF EXISTS orgchart_position_permissions_deleted_cache_generation ON orgchart_position_permissions",
    "DROP FUNCTION IF EXISTS orgchart_position_changed()",
    "DROP FUNCTION IF EXISTS orgchart_position_permissions_changed()",
]
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS orgchart_position_cache_generation AFTER UPDATE ON orgchart_position
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE position_id = NEW.id; END""",
    """CREATE TRIGGER IF NOT EXISTS orgchart_position_permissions_inserted_cache_generation AFTER INSERT ON orgchart_position_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE position_id = NEW.position_id; END""",
    """CREATE TRIGGER IF NOT EXISTS orgchart_position_permissions_deleted_cache_generation AFTER DELETE ON orgchart_position_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE position_id = OLD.position_id; END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS orgchart_position_cache_generation",
    "DROP TRIGGER IF EXISTS orgchart_position_permissions_inserted_cache_generation",
    "DROP TRIGGER IF EXISTS orgchart_position_permissions_deleted_cache_generation",
]


def create_triggers(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("orgchart", "0005_department_names_up_to_100"),
        ("accounts", "0019_cache_generation"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

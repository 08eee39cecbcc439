"""An UPDATE of a membership or permission link row moves the generations as its INSERT and DELETE do
(issue 27; ``accounts`` migration 0019 covered only those two).

``User.groups.through.objects.filter(…).update(group=…)`` or a raw ``UPDATE accounts_user_groups``
moves a user from one group to another in place: with no trigger on UPDATE neither the user's
``cache_generation`` nor (through the user row) its tenant's data generation moved, so the user's
cached permission set (R-14) and its tenant's kept dashboard panels outlived the change. Both the old and the new row's user (or group) are moved.
"""

from django.db import migrations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION accounts_user_links_updated() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE id IN (SELECT user_id FROM old_links UNION SELECT user_id FROM new_links);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION accounts_group_permissions_updated() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE id IN (SELECT m.user_id FROM accounts_user_groups m
                     WHERE m.group_id IN (SELECT group_id FROM old_links UNION SELECT group_id FROM new_links));
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
]
for _table, _function in (
    ("accounts_user_user_permissions", "accounts_user_links_updated"),
    ("accounts_user_groups", "accounts_user_links_updated"),
    ("auth_group_permissions", "accounts_group_permissions_updated"),
):
    POSTGRES.append(
        f"""CREATE TRIGGER {_table}_updated_cache_generation AFTER UPDATE ON {_table}
        REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
        FOR EACH STATEMENT EXECUTE FUNCTION {_function}()"""
    )
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_updated_cache_generation ON {table}"
    for table in ("accounts_user_user_permissions", "accounts_user_groups", "auth_group_permissions")
] + [
    "DROP FUNCTION IF EXISTS accounts_user_links_updated()",
    "DROP FUNCTION IF EXISTS accounts_group_permissions_updated()",
]

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {_table}_updated_cache_generation AFTER UPDATE ON {_table}
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE id IN (OLD.user_id, NEW.user_id); END"""
    for _table in ("accounts_user_user_permissions", "accounts_user_groups")
] + [
    """CREATE TRIGGER IF NOT EXISTS auth_group_permissions_updated_cache_generation AFTER UPDATE ON auth_group_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1
    WHERE id IN (SELECT user_id FROM accounts_user_groups WHERE group_id IN (OLD.group_id, NEW.group_id)); END"""
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_updated_cache_generation"
    for table in ("accounts_user_user_permissions", "accounts_user_groups", "auth_group_permissions")
]


def create_triggers(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_data_generation"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

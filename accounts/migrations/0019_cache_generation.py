"""A generation per user and per tenant, kept by the database itself (issue 27).

Every request reads the user row and, for a staff account, its permission set; issue 27 serves
both from a cache. What keeps R-14 (a change of rights applies at the next page load) and R-15
(a disabled account is refused at its next request) is that the cached copy is keyed by
``cache_generation``, which only the database writes:

- ``accounts_user`` and ``accounts_tenant``: every UPDATE of a row adds one to its generation
  (a stale in-memory object saved later still moves it forward: the trigger counts from the
  stored value, not the written one);
- ``accounts_user_user_permissions`` and ``accounts_user_groups``: an inserted or deleted link
  moves its user's generation; ``auth_group_permissions``: that of every member of the group.

So a service, the admin, SCIM, a ``queryset.update()``, a raw statement or ``manage.py shell``
all retire the cached copy in the same transaction as their write; no writer can forget it.
The position's permissions (``orgchart_position_permissions``) and the position row are covered
by ``orgchart``'s migration 0006, which moves the generation of the position's holders.

PostgreSQL: a BEFORE UPDATE row trigger on the two tables, and statement-level triggers with
transition tables on the link tables (one UPDATE per statement, however many rows ``.set()``
changes). SQLite: row triggers (``WHEN`` keeps the inner UPDATE from counting twice).
"""

from django.db import migrations, models

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION staffdesk_next_cache_generation() RETURNS trigger AS $$
    BEGIN
        NEW.cache_generation := OLD.cache_generation + 1;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """CREATE TRIGGER accounts_user_cache_generation BEFORE UPDATE ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION staffdesk_next_cache_generation()""",
    """CREATE TRIGGER accounts_tenant_cache_generation BEFORE UPDATE ON accounts_tenant
    FOR EACH ROW EXECUTE FUNCTION staffdesk_next_cache_generation()""",
    """
    CREATE OR REPLACE FUNCTION accounts_user_links_changed() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE id IN (SELECT user_id FROM changed_links);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION accounts_group_permissions_changed() RETURNS trigger AS $$
    BEGIN
        UPDATE accounts_user SET cache_generation = cache_generation + 1
        WHERE id IN (SELECT m.user_id FROM accounts_user_groups m WHERE m.group_id IN (SELECT group_id FROM changed_links));
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
]
for _table, _function in (
    ("accounts_user_user_permissions", "accounts_user_links_changed"),
    ("accounts_user_groups", "accounts_user_links_changed"),
    ("auth_group_permissions", "accounts_group_permissions_changed"),
):
    POSTGRES += [
        f"""CREATE TRIGGER {_table}_inserted_cache_generation AFTER INSERT ON {_table}
        REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION {_function}()""",
        f"""CREATE TRIGGER {_table}_deleted_cache_generation AFTER DELETE ON {_table}
        REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION {_function}()""",
    ]

POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_{event}_cache_generation ON {table}"
    for table in ("accounts_user_user_permissions", "accounts_user_groups", "auth_group_permissions")
    for event in ("inserted", "deleted")
] + [
    "DROP TRIGGER IF EXISTS accounts_user_cache_generation ON accounts_user",
    "DROP TRIGGER IF EXISTS accounts_tenant_cache_generation ON accounts_tenant",
    "DROP FUNCTION IF EXISTS accounts_user_links_changed()",
    "DROP FUNCTION IF EXISTS accounts_group_permissions_changed()",
]


def _sqlite_bump_self(table):
    return f"""CREATE TRIGGER IF NOT EXISTS {table}_cache_generation AFTER UPDATE ON {table}
    FOR EACH ROW WHEN NEW.cache_generation <= OLD.cache_generation
    BEGIN UPDATE {table} SET cache_generation = OLD.cache_generation + 1 WHERE id = NEW.id; END"""


SQLITE = [_sqlite_bump_self("accounts_user"), _sqlite_bump_self("accounts_tenant")]
for _table in ("accounts_user_user_permissions", "accounts_user_groups"):
    SQLITE += [
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_inserted_cache_generation AFTER INSERT ON {_table}
        BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE id = NEW.user_id; END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_deleted_cache_generation AFTER DELETE ON {_table}
        BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1 WHERE id = OLD.user_id; END""",
    ]
SQLITE += [
    """CREATE TRIGGER IF NOT EXISTS auth_group_permissions_inserted_cache_generation AFTER INSERT ON auth_group_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1
    WHERE id IN (SELECT user_id FROM accounts_user_groups WHERE group_id = NEW.group_id); END""",
    """CREATE TRIGGER IF NOT EXISTS auth_group_permissions_deleted_cache_generation AFTER DELETE ON auth_group_permissions
    BEGIN UPDATE accounts_user SET cache_generation = cache_generation + 1
    WHERE id IN (SELECT user_id FROM accounts_user_groups WHERE group_id = OLD.group_id); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_{event}_cache_generation"
    for table in ("accounts_user_user_permissions", "accounts_user_groups", "auth_group_permissions")
    for event in ("inserted", "deleted")
] + ["DROP TRIGGER IF EXISTS accounts_user_cache_generation", "DROP TRIGGER IF EXISTS accounts_tenant_cache_generation"]


def create_triggers(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_delivery_claimed_until"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="cache_generation",
            field=models.BigIntegerField(db_default=0, editable=False, verbose_name="cache generation"),
        ),
        migrations.AddField(
            model_name="user",
            name="cache_generation",
            field=models.BigIntegerField(db_default=0, editable=False, verbose_name="cache generation"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

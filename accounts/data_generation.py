"""A tenant's data generation, kept by database triggers on the tables its dashboard reads (issue 27).

The dashboard's panels (``accounts.dashboard``) are kept per viewer and per this generation. The
generation of a tenant (``accounts.DataGeneration``, one row per tenant, created by its first
bump) moves with every INSERT, UPDATE and DELETE on a table a panel or the visibility behind it
reads; the triggers are created by each app's migration for its own tables with
``trigger_statements``, so a service, the admin, an import, a ``queryset.update()`` or a raw
statement all move it in the same transaction as their write.

- PostgreSQL: statement-level AFTER triggers with transition tables, one upsert per statement and
  tenant, however many rows the statement wrote (a 600,000-row effect import bumps once).
- SQLite: row triggers (an upsert per row).

A table names its tenant either by its own ``tenant_id`` column or ``via`` a parent row
(``("campaigns_campaign", "content_object_id")``: the tenant of the campaign the row points to),
for django-guardian's object-permission rows, which carry no tenant.
"""

from django.db import connection

TABLE = "accounts_datageneration"
EVENTS = (("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD"))


def data_generation(tenant_id):
    """The current generation of ``tenant_id`` (an int, 0 before its first change); one query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation FROM {TABLE} WHERE tenant_id = %s", [tenant_id])
        row = cursor.fetchone()
    return row[0] if row else 0


def _postgres(table, via):
    function = f"{table}_data_generation"
    if via is None:
        tenants = "SELECT r.tenant_id FROM changed_rows r"
    else:
        parent, column = via
        tenants = f"SELECT p.tenant_id FROM changed_rows r JOIN {parent} p ON p.id = r.{column}"
    create = [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            INSERT INTO {TABLE} (tenant_id, generation)
            SELECT DISTINCT t.tenant_id, 1 FROM ({tenants}) t WHERE t.tenant_id IS NOT NULL ORDER BY 1
            ON CONFLICT (tenant_id) DO UPDATE SET generation = {TABLE}.generation + 1;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    ]
    # A trigger with a transition table takes one event; three per table.
    for name, event, rows in EVENTS:
        create.append(
            f"""CREATE TRIGGER {table}_{name}_data_generation AFTER {event} ON {table}
            REFERENCING {rows} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"""
        )
    drop = [f"DROP TRIGGER IF EXISTS {table}_{name}_data_generation ON {table}" for name, _e, _r in EVENTS]
    drop.append(f"DROP FUNCTION IF EXISTS {function}()")
    return create, drop


def _sqlite(table, via):
    create = []
    for name, event, row in EVENTS:
        if via is None:
            bump = (
                f"INSERT INTO {TABLE} (tenant_id, generation) VALUES ({row}.tenant_id, 1) "
                f"ON CONFLICT (tenant_id) DO UPDATE SET generation = generation + 1"
            )
            when = f"WHEN {row}.tenant_id IS NOT NULL "
        else:
            parent, column = via
            bump = (
                f"INSERT INTO {TABLE} (tenant_id, generation) SELECT tenant_id, 1 FROM {parent} "
                f"WHERE id = {row}.{column} AND tenant_id IS NOT NULL "
                f"ON CONFLICT (tenant_id) DO UPDATE SET generation = generation + 1"
            )
            when = ""
        create.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_{name}_data_generation AFTER {event} ON {table} "
            f"FOR EACH ROW {when}BEGIN {bump}; END"
        )
    drop = [f"DROP TRIGGER IF EXISTS {table}_{name}_data_generation" for name, _e, _r in EVENTS]
    return create, drop


def trigger_statements(vendor, table, via=None):
    """``(create, drop)``: lists of SQL statements that make every write to ``table`` move its
    tenant's data generation, for the database ``vendor`` (``"postgresql"`` or ``"sqlite"``).

    ``via`` is ``None`` for a table with a ``tenant_id`` column, or ``(parent_table, column)``
    when the tenant is ``parent_table.tenant_id`` of the row ``column`` points to."""
    if vendor == "postgresql":
        return _postgres(table, via)
    return _sqlite(table, via)


def migration_operation(tables):
    """A ``RunPython`` that creates (and on reversal drops) the triggers of ``tables``, a list of
    ``(table, via)`` pairs as ``trigger_statements`` takes them."""
    from django.db import migrations

    def create(apps, schema_editor):
        for table, via in tables:
            for statement in trigger_statements(schema_editor.connection.vendor, table, via)[0]:
                schema_editor.execute(statement)

    def drop(apps, schema_editor):
        for table, via in tables:
            for statement in trigger_statements(schema_editor.connection.vendor, table, via)[1]:
                schema_editor.execute(statement)

    return migrations.RunPython(create, drop)

"""A tenant's data generation, kept by database triggers on the tables its dashboard reads (issue 27).

The dashboard's panels (``accounts.dashboard``) are kept per viewer and per this generation. The
generation of a tenant moves with every committed INSERT, UPDATE and DELETE on a table a panel or
the visibility behind it reads; the triggers are created by each app's migration for its own tables
with ``trigger_statements``, so a service, the admin, an import, a ``queryset.update()`` or a raw
statement all move it in the same transaction as their write.

- PostgreSQL: statement-level AFTER triggers with transition tables append one row per statement
  and tenant to a change log (``accounts.DataChange``), however many rows the statement wrote (a
  600,000-row effect import appends one). Appending takes no lock on a shared row: a tenant's
  writers never wait on each other for it, nor deadlock with code that locks the tenant row (a
  counter row upserted per tenant did both, its row lock held until commit). ``prune`` (run by the
  worker every few minutes, ``accounts.tasks``, or ``manage.py prune_data_changes``) folds each
  tenant's rows into its newest.
- SQLite: row triggers bump a counter per tenant (``accounts.DataGeneration``); SQLite has one
  writer at a time anyway.

An UPDATE moves the tenants of the rows before and after it: a row moved out of a tenant (or a
grant pointed at another tenant's or an official campaign) moves the tenant it leaves too.

A table names its tenant either by its own ``tenant_id`` column or ``via`` a parent row
(``("campaigns_campaign", "content_object_id")``: the tenant of the campaign the row points to),
for django-guardian's object-permission rows, which carry no tenant.
"""

from django.db import connection, transaction

TABLE = "accounts_datageneration"  # SQLite's counters
LOG = "accounts_datachange"  # PostgreSQL's change log
# Taken (per transaction) by ``prune`` alone, so two prunes never fold the same rows; writers never take it.
PRUNE_LOCK = 0x5D47_0027
EVENTS = (("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD"))


def data_generation(tenant_id):
    """The current generation of ``tenant_id``: a hashable value that changes whenever a write to a
    tracked table of the tenant commits. One query.

    On PostgreSQL a pair ``(changes, last)`` of ints (``(0, 0)`` before the first change): the sum of
    ``changes`` of the tenant's log rows (their count, until a prune folds them) and their highest
    id, one index-only scan of ``(tenant_id, id, changes)``. The highest id alone would not do: ids
    are taken at insert but transactions commit out of order, so a transaction that took an earlier
    id and commits after a later one leaves the maximum where it was; the sum moves. A prune leaves
    the sum as it was (its deleted rows' ``changes`` go to the row it keeps, in one transaction), so
    the sum only ever grows, by at least one per committed write. On SQLite an int, the counter
    (0 before the first change)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT coalesce(sum(changes), 0)::bigint, coalesce(max(id), 0) FROM {LOG} WHERE tenant_id = %s",
                [tenant_id],
            )
            return tuple(cursor.fetchone())
        cursor.execute(f"SELECT generation FROM {TABLE} WHERE tenant_id = %s", [tenant_id])
        row = cursor.fetchone()
    return row[0] if row else 0


def prune():
    """Fold every tenant's change-log rows into its newest (PostgreSQL; nothing to do on SQLite).

    Returns the number of rows deleted (an int), 0 also when another prune holds the prune lock.
    Safe at any time and alongside any writer: writers only append, a row committing during the
    prune is left for the next one, and the rows' ``changes`` move to the row kept in the same
    transaction: the generation a reader reads is the same before and after (no cache miss), and a
    row committed late, folded by a later prune, still moves it."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PRUNE_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"""
            WITH kept AS (
                SELECT tenant_id, max(id) AS id FROM {LOG} GROUP BY tenant_id HAVING count(*) > 1
            ), gone AS (
                DELETE FROM {LOG} d USING kept WHERE d.tenant_id = kept.tenant_id AND d.id < kept.id
                RETURNING d.tenant_id, d.changes
            ), folded AS (
                SELECT tenant_id, sum(changes)::bigint AS changes FROM gone GROUP BY tenant_id
            ), moved AS (
                UPDATE {LOG} d SET changes = d.changes + folded.changes FROM kept JOIN folded USING (tenant_id)
                WHERE d.id = kept.id
            )
            SELECT count(*) FROM gone
            """
        )
        return cursor.fetchone()[0]


def _tenants_sql(rows, via):
    """The tenants of the transition table ``rows``: their own column, or their parent's."""
    if via is None:
        return f"SELECT r.tenant_id FROM {rows} r"
    parent, column = via
    return f"SELECT p.tenant_id FROM {rows} r JOIN {parent} p ON p.id = r.{column}"


def _postgres(table, via):
    # An UPDATE moves the tenants of the old rows as well as the new: a row moved to another
    # tenant (or, for a grant, pointed at another tenant's or an official campaign) leaves one.
    create, drop = [], []
    for name, event, rows in EVENTS:
        function = f"{table}_data_generation" if name != "update" else f"{table}_data_generation_update"
        tenants = _tenants_sql("changed_rows", via)
        referencing = f"REFERENCING {rows} TABLE AS changed_rows"
        if name == "update":
            tenants = f"{tenants} UNION {_tenants_sql('old_rows', via)}"
            referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows"
        if name != "delete":  # insert and delete share the one function
            create.append(
                f"""
                CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
                BEGIN
                    INSERT INTO {LOG} (tenant_id, changes)
                    SELECT DISTINCT t.tenant_id, 1 FROM ({tenants}) t WHERE t.tenant_id IS NOT NULL;
                    RETURN NULL;
                END $$ LANGUAGE plpgsql
                """
            )
        # A trigger with a transition table takes one event; three per table.
        create.append(
            f"""CREATE TRIGGER {table}_{name}_data_generation AFTER {event} ON {table}
            {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"""
        )
        drop.append(f"DROP TRIGGER IF EXISTS {table}_{name}_data_generation ON {table}")
    drop.append(f"DROP FUNCTION IF EXISTS {table}_data_generation()")
    drop.append(f"DROP FUNCTION IF EXISTS {table}_data_generation_update()")
    return create, drop


def _sqlite_bump(row, via):
    if via is None:
        # INSERT … SELECT … WHERE: a row of no tenant bumps nothing.
        return (
            f"INSERT INTO {TABLE} (tenant_id, generation) SELECT {row}.tenant_id, 1 WHERE {row}.tenant_id IS NOT NULL "
            f"ON CONFLICT (tenant_id) DO UPDATE SET generation = generation + 1"
        )
    parent, column = via
    return (
        f"INSERT INTO {TABLE} (tenant_id, generation) SELECT tenant_id, 1 FROM {parent} "
        f"WHERE id = {row}.{column} AND tenant_id IS NOT NULL "
        f"ON CONFLICT (tenant_id) DO UPDATE SET generation = generation + 1"
    )


def _sqlite(table, via):
    create = []
    for name, event, row in EVENTS:
        # An UPDATE moves the old row's tenant as well (a row moved out of a tenant leaves one).
        bumps = [_sqlite_bump(row, via)] + ([_sqlite_bump("OLD", via)] if name == "update" else [])
        body = "; ".join(bumps)
        create.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_{name}_data_generation AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN {body}; END"
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


def migration_refresh(tables):
    """A ``RunPython`` that drops and recreates the triggers of ``tables`` (``(table, via)`` pairs)
    as ``trigger_statements`` now writes them, for a database whose triggers an earlier migration
    created in an older form; nothing on reversal (the older form is gone from the code)."""
    from django.db import migrations

    def refresh(apps, schema_editor):
        for table, via in tables:
            create, drop = trigger_statements(schema_editor.connection.vendor, table, via)
            for statement in [*drop, *create]:
                schema_editor.execute(statement)

    return migrations.RunPython(refresh, migrations.RunPython.noop)

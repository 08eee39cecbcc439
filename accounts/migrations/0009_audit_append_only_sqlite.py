"""On SQLite too, the database itself refuses UPDATE and DELETE on the audit log (R-22).

PostgreSQL got its trigger in 0003; SQLite, the default database, could still be edited through
the ORM or a raw query. Flushing (tests, ``manage.py flush``) goes through config.db.sqlite3,
which lifts the triggers for that statement list only, as TRUNCATE does on PostgreSQL.
"""

from django.db import migrations

CREATE = [
    """CREATE TRIGGER IF NOT EXISTS accounts_auditentry_no_update BEFORE UPDATE ON accounts_auditentry
    BEGIN SELECT RAISE(ABORT, 'accounts_auditentry is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS accounts_auditentry_no_delete BEFORE DELETE ON accounts_auditentry
    BEGIN SELECT RAISE(ABORT, 'accounts_auditentry is append-only: DELETE refused'); END""",
]
DROP = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_delete",
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_account_safety_fields"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]

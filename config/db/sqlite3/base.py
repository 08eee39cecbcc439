"""SQLite, as Django ships it, plus the audit log's append-only rule (R-22).

The rule itself is two triggers (migration accounts 0009) that refuse UPDATE and DELETE on
``accounts_auditentry``, as PostgreSQL's trigger does. PostgreSQL leaves TRUNCATE to the database
owner, which is how a test run or ``manage.py flush`` empties the tables; SQLite has no TRUNCATE, so
its flush (``DELETE FROM`` every table) lifts the triggers for that one statement list and puts them
back in the same transaction. No page, admin action or ORM path runs a flush.
"""

from django.db.backends.sqlite3 import base, operations

AUDIT_TABLE = "accounts_auditentry"

CREATE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_update BEFORE UPDATE ON {AUDIT_TABLE}
    BEGIN SELECT RAISE(ABORT, '{AUDIT_TABLE} is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_delete BEFORE DELETE ON {AUDIT_TABLE}
    BEGIN SELECT RAISE(ABORT, '{AUDIT_TABLE} is append-only: DELETE refused'); END""",
]
DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_delete",
]


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if AUDIT_TABLE not in tables:
            return statements
        return [*DROP_TRIGGERS, *statements, *CREATE_TRIGGERS]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

"""The locks every org-chart write takes, always in the same order (STYLE 5).

1. The tenant row (``SELECT … FOR UPDATE``): serialises every structural change and every seat
   count of one tenant.
2. Where a new mptt root is made (a top-level department, or a move to the top), a global
   PostgreSQL advisory lock as well: mptt picks ``max(tree_id) + 1`` across all tenants, so two
   tenants creating roots at once would otherwise share a tree id.

On SQLite every write transaction is ``BEGIN IMMEDIATE`` (see settings), which serialises writers
for the whole database and makes both locks unnecessary there.
"""

from django.db import connection

from accounts.locks import lock_tenant  # noqa: F401  (the first lock of every org-chart write)

NEW_ROOT_LOCK_KEY = 0x5EED_7EE  # an arbitrary constant shared by every process of this app


def lock_new_root():
    """Take the global lock for allocating an mptt tree id (released at transaction end)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NEW_ROOT_LOCK_KEY])

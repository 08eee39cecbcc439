"""The viewer's visible campaigns as a list of ids, kept per viewer and tenant data generation (issue 27).

``campaigns_visible_to``'s condition is an OR of ``IN (grant subquery)``s: every list request
of a level-1 department admin scanned its ~10,000 guardian grant rows again (5 ms at R-41
scale), where a lookup in a list of ids it already knew costs a fraction of that. So the ids are
computed once, by the same rules (``reads.campaigns_visible_to``'s own query), and kept in this
process under:

- the user's ``cache_key`` (``accounts.user_cache``): its row, rights, position, groups and
  tenant row, moved by database triggers on every change to them (R-14, R-15);
- its tenant's data generation (``accounts.data_generation``): moved by database triggers in
  the writing transaction on every table the rules read (campaigns, guardian's grant rows,
  users, departments, positions; group memberships and permissions through the user row they
  move, ``accounts`` migration 0019).

The key is read from the database before the ids are, so a kept list is never older than its
key: the very next request after any writer commits reads a new key and computes afresh (R-24).

Nothing is kept, and every call computes afresh, for a user not loaded through
``accounts.user_cache`` (no ``cache_key``: a request factory, a task, a test's object) and inside
a transaction the code opened (a service): what it reads there may be its own uncommitted write,
which a rollback would undo under a generation a later commit reuses (SQLite's counter).
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import F, Lookup

from accounts.data_generation import generation_of

from ..models import Campaign

ENTRIES = 512  # viewers kept per process; a level-1 admin's list is ~10,000 ids (~60 kB as text)

_kept = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class VisibleSet:
    """A viewer's visible campaign ids as ``text``: comma-separated, ascending, which the SQL
    takes as a single array parameter (kept as text: ~6 bytes an id against ~36 as a tuple of ints)."""

    text: str

    @property
    def size(self):
        """How many ids (an int)."""
        return self.text.count(",") + 1 if self.text else 0

    def __contains__(self, pk):
        """Whether the campaign id ``pk`` (an int) is among the ids; a scan of the text."""
        return f",{int(pk)}," in f",{self.text},"

    def ids(self):
        """The ids, a tuple of ints in ascending order."""
        return tuple(int(pk) for pk in self.text.split(",")) if self.text else ()


def clear():
    """Forget every kept set of this process (tests)."""
    with _lock:
        _kept.clear()


def _in_transaction(connection):
    """Whether code (not a test case's wrapping) has a transaction open on ``connection``."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _compute(queryset):
    """The ``VisibleSet`` of ``queryset``'s rows: their ids joined by the database into one text
    (one row, however many ids: a level-1 admin's ~10,000 cost more to load as rows than to find)."""
    sql, params = queryset.order_by().values(visible_id=F("pk")).query.sql_with_params()
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        joined = f"SELECT coalesce(string_agg(v.visible_id::text, ',' ORDER BY v.visible_id), '') FROM ({sql}) v"
    else:
        joined = f"SELECT coalesce(group_concat(v.visible_id, ','), '') FROM (SELECT * FROM ({sql}) ORDER BY 1) v"
    with connection.cursor() as cursor:
        cursor.execute(joined, params)
        return VisibleSet(text=cursor.fetchone()[0])


def visible_campaign_set(user, rules):
    """The ``VisibleSet`` of ``rules()`` (a queryset of ``user``'s visible campaigns by the rules,
    called on a miss only), kept per ``user.cache_key`` and tenant data generation; ``None`` when
    it may not be kept (no ``cache_key``, no tenant, or inside a transaction): the caller then
    filters by the rules' own query.

    One query on a warm entry (the generation, none inside a dashboard's ``generation_read``),
    two on a cold one (the generation, the ids)."""
    user_key = getattr(user, "cache_key", None)
    connection = connections[router.db_for_read(Campaign)]
    if user_key is None or user.tenant_id is None or _in_transaction(connection):
        return None
    key = (user_key, user.pk, user.tenant_id, generation_of(user.tenant_id))
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept
    kept = _compute(rules())
    with _lock:
        _kept[key] = kept
        while len(_kept) > ENTRIES:
            _kept.popitem(last=False)
    return kept


# Above this many ids PostgreSQL is not shown the column's statistics (``(column + 0)``).
PLAIN_COLUMN_UP_TO = 100


class InVisibleSet(Lookup):
    """``lhs`` (a campaign id column) is one of a ``VisibleSet``'s ids, given as one parameter.

    PostgreSQL: ``= ANY(%s::bigint[])``: a constant array it probes by hash row by row, so an
    ordered index scan still stops after one page (``reads._in_visible_campaign``); never
    thousands of placeholders. For a long list the column is written ``(column + 0)``: the
    planner estimates ``= ANY`` element by element against the column's most common values, and
    a level-1 admin's 2,500 ids cost 2 ms of planning per query at a quarter of R-41 scale
    (0.5 ms without the statistics; same plan, same execution). A short list keeps the plain
    column, whose index then finds a few ids' rows directly.
    SQLite: ``IN (SELECT value FROM json_each(%s))``."""

    lookup_name = "in_visible_set"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            if self.rhs.size > PLAIN_COLUMN_UP_TO:
                lhs = f"({lhs} + 0)"
            return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + self.rhs.text + "}"]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, "[" + self.rhs.text + "]"]

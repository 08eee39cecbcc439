"""Server CPU per request: what the app and the database spent, read from ``/proc``.

Wall-clock latency on a shared 2-core box depends on how much of the machine the load generator
and everything else took; CPU time does not. Around each measured load window the bench reads
the CPU time (user + system, ``/proc/<pid>/stat`` fields 14 and 15) of

- every child of the gunicorn master (the sync or uvicorn workers; the master itself only
  supervises, and workers live as long as the server), and
- every PostgreSQL client backend connected to the bench database (``pg_stat_activity``), and
- the backends that ended during the window: the postmaster's ``cutime + cstime`` (fields 16 and
  17, the CPU of the children it has reaped) grows by each one's whole life when it exits.

and divides the growth by the number of requests the load generator completed. A backend that
appears during the window counts from zero (its start-up is a real cost of the request that
opened it). One that ends during the window is counted through the postmaster: its whole life,
less what it had already spent at the first sample. So the served configuration
(``CONN_MAX_AGE=0``: a connection, and a backend, per request) is measured as fully as sync
workers that keep their connections.

The postmaster does not say whose child it reaped, so every other child of it (other databases'
backends, autovacuum and parallel workers) is read at each sample too: one that was there at the
first sample and ended before the second is taken out for what it had spent by the first. What
the reaped-children time still over-counts, small next to a page's cost on a quiet server but
not zero on a busy shared one:

- what other processes of the server that end in the window spent *inside* it: autovacuum
  workers, other databases' connections (another test run, a ``psql``, another bench's server
  stopping), and any that start and end inside it (a test suite connecting and disconnecting);
  parallel-query workers are counted too, and those are a real cost of the request that used them;
- a backend that has exited but is not yet reaped at the second sample lands in the next window.

PostgreSQL's long-lived background processes (checkpointer, WAL writer, autovacuum launcher) are
not counted: they are not per request and they do not exit. Nor is the meter's own connection,
which it keeps open across samples so that its own backend never ends inside a window.
"""

import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3 first), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return stat[stat.rindex(")") + 2 :].split()


def process_cpu_seconds(pid):
    """User + system CPU seconds of ``pid`` so far, or ``None`` when it has gone."""
    rest = _stat_fields(pid)
    if rest is None:
        return None
    utime, stime = int(rest[11]), int(rest[12])
    return (utime + stime) / TICKS


def reaped_children_cpu_seconds(pid):
    """User + system CPU seconds of the children ``pid`` has waited for (``cutime + cstime``,
    fields 16 and 17): it grows by a child's whole life when the child is reaped. ``None`` when
    ``pid`` has gone."""
    rest = _stat_fields(pid)
    if rest is None:
        return None
    cutime, cstime = int(rest[13]), int(rest[14])
    return (cutime + cstime) / TICKS


def parent_pid(pid):
    """The parent of ``pid`` (field 4), or ``None`` when it has gone."""
    rest = _stat_fields(pid)
    return None if rest is None else int(rest[1])


def parents():
    """``{pid: parent pid}`` of every process this one may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = parent_pid(entry.name)
            if parent is not None:
                found[int(entry.name)] = parent
    return found


def children(pid, tree=None):
    """Process ids whose parent is ``pid`` (in ``tree``, a ``parents()``, when given)."""
    tree = parents() if tree is None else tree
    return [child for child, parent in tree.items() if parent == pid]


@dataclass
class Sample:
    app: dict = field(default_factory=dict)  # worker pid -> CPU seconds
    db: dict = field(default_factory=dict)  # live backend pid -> CPU seconds
    reaped: float | None = None  # the postmaster's reaped-children CPU seconds
    others: dict = field(default_factory=dict)  # the postmaster's other children: pid -> CPU seconds


class Meter:
    """``sample()`` before and after a load window; ``per_request(before, after, requests)``;
    ``close()`` at the end (the meter keeps one connection to PostgreSQL open)."""

    def __init__(self, server_pid, database_url, pooler_pid=None):
        self.server_pid = server_pid
        self.database_url = database_url
        # PgBouncer (``--pooler pgbouncer``): its process (or, started through runuser, its
        # children) counts with the database.
        self.pooler_pid = pooler_pid
        self._connection = None
        self._own_pid = None
        self.postmaster_pid = None

    def _connect(self):
        import psycopg

        if self._connection is None or self._connection.closed:
            parts = urllib.parse.urlsplit(self.database_url)
            self._connection = psycopg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=parts.username,
                password=parts.password,
                dbname="postgres",
                autocommit=True,
            )
            self._own_pid = self._connection.execute("SELECT pg_backend_pid()").fetchone()[0]
            # Every backend, this one included, is a child of the postmaster.
            self.postmaster_pid = parent_pid(self._own_pid)
        return self._connection

    def backend_pids(self):
        """Process ids of the client backends connected to the bench database, except the meter's own."""
        name = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
        rows = self._connect().execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self):
        def read(pids):
            seconds = {pid: process_cpu_seconds(pid) for pid in pids}
            return {pid: value for pid, value in seconds.items() if value is not None}

        ours = self.backend_pids()
        tree = parents()
        db = read(ours)
        if self.pooler_pid:
            db.update(read([self.pooler_pid, *children(self.pooler_pid, tree)]))
        if not self.postmaster_pid:
            return Sample(app=read(children(self.server_pid, tree)), db=db)
        reaped = reaped_children_cpu_seconds(self.postmaster_pid)
        others = read(set(children(self.postmaster_pid, tree)) - set(ours) - {self._own_pid})
        return Sample(app=read(children(self.server_pid, tree)), db=db, reaped=reaped, others=others)

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @staticmethod
    def per_request(before, after, requests):
        """``{"app_ms", "db_ms", "total_ms"}``: CPU milliseconds per request over the window."""

        def grown(start, end):
            return sum(max(0.0, value - start.get(pid, 0.0)) for pid, value in end.items())

        if not requests:
            return {"app_ms": None, "db_ms": None, "total_ms": None}
        app = grown(before.app, after.app)
        db = grown(before.db, after.db) + ended_backends_seconds(before, after)
        app_ms, db_ms = app * 1000 / requests, db * 1000 / requests
        return {"app_ms": round(app_ms, 2), "db_ms": round(db_ms, 2), "total_ms": round(app_ms + db_ms, 2)}


def ended_backends_seconds(before, after):
    """What the backends that ended between the samples spent inside the window: the growth of
    the postmaster's reaped-children time, less what every child live at ``before`` and gone at
    ``after`` (ours, and the server's other processes) had already spent by then (in its reaped
    total, but outside the window)."""
    if before.reaped is None or after.reaped is None:
        return 0.0
    still_there = after.db.keys() | after.others.keys()
    spent_before = sum(value for pid, value in (before.db | before.others).items() if pid not in still_there)
    return max(0.0, after.reaped - before.reaped - spent_before)

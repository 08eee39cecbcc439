"""Server CPU per request: what the app and the database spent, read from ``/proc``.

Wall-clock latency on a shared 2-core box depends on how much of the machine the load generator
and everything else took; CPU time does not, as long as it is read only from the processes that
serve the measured requests. Around each measured load window the bench reads the CPU time
(user + system, ``/proc/<pid>/stat`` fields 14 and 15, for the app's processes; the scheduler's
nanosecond run time, ``/proc/<pid>/schedstat``, for the database's single-threaded processes) of

- every child of the gunicorn master (the sync or uvicorn workers; the master itself only
  supervises, and workers live as long as the server); under ``--server proxied`` (nginx in
  front, ``config/serve_proxied.sh``) the children of the pages' gunicorn master and of nginx's
  master (its worker processes), not the ASGI workers that hold only the chat's streams, and
- the PostgreSQL backends of those workers' own connections, and nothing else: the bench starts
  the server with ``PGAPPNAME`` set to ``APPLICATION_NAME`` (libpq sends it as the connection's
  ``application_name``), and a backend counts only when ``pg_stat_activity`` shows that name on
  the bench database. Its pid is the ``pg_backend_pid()`` of that worker's connection.

and divides the growth by the number of requests the load generator completed. Under sync
workers with persistent connections (``CONN_MAX_AGE=600``) and under ``asgi-pool`` (a psycopg pool
per worker) these backends live as long as the server, so the figure does not move with what
else runs on the box: another test suite's connections, autovacuum or another database are never
read. (Issue 16's meter also added the postmaster's reaped-children time, which charged every
connection that ended anywhere on the server to the page: 2–10× too high on a shared box.)

What this cannot see, and says so: a backend that starts *and* ends inside a window (a
connection per request, ``--server asgi`` with ``CONN_MAX_AGE=0``), and what a backend that ends
inside the window spent after the first sample. ``per_request`` then marks the database figure
``db_complete: False`` (a lower bound), and the report prints it with "≥". Under persistent
connections that happens only when a connection reaches its ``CONN_MAX_AGE`` inside a window and
is replaced; ``bench.__main__.load`` then measures that window again.

Why two clocks: ``stat`` counts whole clock ticks (10 ms at ``SC_CLK_TCK`` 100) and covers a
process's every thread, including threads that have ended (the ASGI worker's thread pool);
``schedstat`` is exact to the nanosecond but covers one thread. A PostgreSQL backend is one thread
and spends a few milliseconds per request, which ticks round to zero over a short window (a backend
that ran four queries in a one-second window read 0.0 ms), so backends are read exactly.
"""

import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# The application_name the measured server's connections carry (``PGAPPNAME``, set by the bench).
APPLICATION_NAME = "staffdesk-bench-server"


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


def thread_cpu_seconds(pid):
    """CPU seconds of ``pid``'s main thread so far, exact to the nanosecond: the first field of
    ``/proc/<pid>/schedstat`` (time on a CPU, user and kernel). Falls back to
    ``process_cpu_seconds`` (whole ticks) on a kernel without it; ``None`` when ``pid`` has gone.
    Meant for single-threaded processes (PostgreSQL backends, PgBouncer)."""
    try:
        first = Path(f"/proc/{pid}/schedstat").read_text().split()[0]
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return process_cpu_seconds(pid)
    return int(first) / 1e9


def parent_pid(pid):
    """The parent of ``pid`` (field 4), or ``None`` when it has gone."""
    rest = _stat_fields(pid)
    return None if rest is None else int(rest[1])


def children(pid):
    """Process ids whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_pid(entry.name) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Sample:
    app: dict = field(default_factory=dict)  # worker pid -> CPU seconds
    db: dict = field(default_factory=dict)  # the workers' backends: pid -> CPU seconds


class Meter:
    """``sample()`` before and after a load window; ``per_request(before, after, requests)``;
    ``close()`` at the end (the meter keeps one connection to PostgreSQL open, to the
    ``postgres`` database and under another application name, so it never counts itself)."""

    def __init__(self, server_pid, database_url, pooler_pid=None, application_name=APPLICATION_NAME):
        # One process whose children are the serving processes (a gunicorn master), or several
        # (``--server proxied``: the pages' gunicorn master and nginx's master).
        self.server_pids = list(server_pid) if isinstance(server_pid, (list, tuple)) else [server_pid]
        self.database_url = database_url
        # PgBouncer (``--pooler pgbouncer``): its process and its children count with the database.
        self.pooler_pid = pooler_pid
        self.application_name = application_name
        self._connection = None

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
                application_name="staffdesk-bench-meter",
                autocommit=True,
            )
        return self._connection

    def backend_pids(self):
        """Process ids of the backends serving the measured server's connections."""
        name = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
        rows = self._connect().execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = %s AND backend_type = 'client backend'",
            [name, self.application_name],
        ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self):
        def read(pids, clock):
            seconds = {pid: clock(pid) for pid in pids}
            return {pid: value for pid, value in seconds.items() if value is not None}

        db = read(self.backend_pids(), thread_cpu_seconds)
        if self.pooler_pid:
            db.update(read([self.pooler_pid, *children(self.pooler_pid)], thread_cpu_seconds))
        app = read([child for parent in self.server_pids for child in children(parent)], process_cpu_seconds)
        return Sample(app=app, db=db)

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @staticmethod
    def per_request(before, after, requests):
        """``{"app_ms", "db_ms", "total_ms", "db_complete", "backends"}``: CPU milliseconds per
        request over the window. A backend new at ``after`` counts from zero (its start-up is the
        request's cost); ``db_complete`` is false when a backend of ``before`` was gone at
        ``after`` (what it spent in between is not seen): ``db_ms`` is then a lower bound."""

        def grown(start, end):
            return sum(max(0.0, value - start.get(pid, 0.0)) for pid, value in end.items())

        if not requests:
            return {"app_ms": None, "db_ms": None, "total_ms": None, "db_complete": True, "backends": len(after.db)}
        app = grown(before.app, after.app)
        db = grown(before.db, after.db)
        app_ms, db_ms = app * 1000 / requests, db * 1000 / requests
        return {
            "app_ms": round(app_ms, 2),
            "db_ms": round(db_ms, 2),
            "total_ms": round(app_ms + db_ms, 2),
            "db_complete": before.db.keys() <= after.db.keys(),
            "backends": len(after.db),
        }

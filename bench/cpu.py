"""Server CPU per request: what the app and the database spent, read from ``/proc``.

Wall-clock latency on a shared 2-core box depends on how much of the machine the load generator
and everything else took; CPU time does not. Around each measured load window the bench reads
the CPU time (user + system, ``/proc/<pid>/stat`` fields 14 and 15) of

- every child of the gunicorn master (the sync workers; the master itself only supervises), and
- every PostgreSQL client backend connected to the bench database (``pg_stat_activity``),

and divides the growth by the number of requests the load generator completed. A backend that
appears during the window counts from zero (its start-up is a real cost of the request that
opened it); one that ends during the window is lost, which the bench avoids by keeping the
workers' connections open (``CONN_MAX_AGE``) and warming up first. PostgreSQL's background
processes (checkpointer, WAL writer, autovacuum) are not counted: they are not per request.
"""

import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU seconds of ``pid`` so far, or ``None`` when it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    rest = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(rest[11]), int(rest[12])
    return (utime + stime) / TICKS


def children(pid):
    """Process ids whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def backend_pids(database_url):
    """Process ids of the client backends connected to ``database_url``'s database, except the
    one this query runs on."""
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres", autocommit=True
    ) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return [pid for (pid,) in rows]


@dataclass
class Sample:
    app: dict = field(default_factory=dict)  # worker pid -> CPU seconds
    db: dict = field(default_factory=dict)  # backend pid -> CPU seconds


class Meter:
    """``sample()`` before and after a load window; ``per_request(before, after, requests)``."""

    def __init__(self, server_pid, database_url):
        self.server_pid = server_pid
        self.database_url = database_url

    def sample(self):
        def read(pids):
            seconds = {pid: process_cpu_seconds(pid) for pid in pids}
            return {pid: value for pid, value in seconds.items() if value is not None}

        return Sample(app=read(children(self.server_pid)), db=read(backend_pids(self.database_url)))

    @staticmethod
    def per_request(before, after, requests):
        """``{"app_ms", "db_ms", "total_ms"}``: CPU milliseconds per request over the window."""

        def grown(start, end):
            return sum(max(0.0, value - start.get(pid, 0.0)) for pid, value in end.items())

        if not requests:
            return {"app_ms": None, "db_ms": None, "total_ms": None}
        app = grown(before.app, after.app) * 1000 / requests
        db = grown(before.db, after.db) * 1000 / requests
        return {"app_ms": round(app, 2), "db_ms": round(db, 2), "total_ms": round(app + db, 2)}

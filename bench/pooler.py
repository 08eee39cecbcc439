"""PgBouncer in front of the bench database, for ``python -m bench --pooler pgbouncer`` (issue 28).

Debian's ``pgbouncer`` in transaction mode, as ``docs/scaling.md`` configures it, on a free
127.0.0.1 port in a temp folder, pointing at the bench database's server; the served app then
connects through it with ``DATABASE_POOLER=pgbouncer``. PgBouncer refuses to run as root: as root
it runs as ``postgres``. Its own CPU time counts with the database's (``pid`` for ``bench/cpu.py``).
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgBouncer:
    def __init__(self, url, folder, port, process):
        self.url = url
        self.folder = folder
        self.port = port
        self.process = process

    @property
    def pid(self):
        return self.process.pid


@contextmanager
def pgbouncer(database_url):
    """Yield a running ``PgBouncer`` whose ``url`` reaches ``database_url``'s database through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.access(binary, os.X_OK):
        raise SystemExit("--pooler pgbouncer: pgbouncer is not installed (apt-get install pgbouncer)")
    parts = urllib.parse.urlsplit(database_url)
    folder = Path(tempfile.mkdtemp(prefix="staffdesk-bench-pgbouncer."))
    as_user = []
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
        shutil.chown(folder, user)
        as_user = ["runuser", "-u", user, "--"]
    port = _free_port()
    (folder / "userlist.txt").write_text(f'"{parts.username or "postgres"}" "{parts.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={parts.hostname or "127.0.0.1"} port={parts.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
server_reset_query =
server_idle_timeout = 5
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
"""
    )
    for path in folder.iterdir():
        if as_user:
            shutil.chown(path, as_user[2])
    process = subprocess.Popen([*as_user, binary, str(folder / "pgbouncer.ini")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise SystemExit(f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text()}")
        netloc = f"{parts.username or 'postgres'}{':' + parts.password if parts.password else ''}@127.0.0.1:{port}"
        yield PgBouncer(urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", "")), folder, port, process)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)

"""Throwaway servers started inside a test, to be stopped, restarted or killed there.

The suite's own PostgreSQL and Redis are shared by every test (and, on a developer's machine,
by other checkouts), so a test that restarts a server gets one of its own: ``postgres_server()``
runs ``initdb`` + ``pg_ctl`` in a temp folder on a free port (as ``config/throwaway_pg.sh`` does)
and ``redis_server()`` a ``redis-server`` without persistence. Where the programs are missing the
test skips with the reason; under ``CI=true`` that is a failure, as for the suite's own servers.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing(what: str, how: str):
    """Skip (outside CI) or fail (under CI) a test whose server programs are not installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not installed: under CI that is a failure ({how})")
    pytest.skip(f"{what} is not installed here: {how}")


def postgres_bin() -> Path | None:
    """The folder holding pg_ctl and initdb (PATH first, then /usr/lib/postgresql/*/bin, newest)."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.access(f"{folder}/pg_ctl", os.X_OK) and os.access(f"{folder}/initdb", os.X_OK):
            return Path(folder)
    return None


class PostgresServer:
    """A PostgreSQL server in ``folder`` on 127.0.0.1:``port``, user ``postgres``, trust auth.

    ``start()``, ``stop()``, ``restart()`` wait until the server is up (or down); ``url(name)`` is
    a ``DATABASE_URL`` for database ``name``. As root the server runs as ``postgres`` (initdb
    refuses root).
    """

    def __init__(self, bin_dir: Path, folder: Path):
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            user = "postgres"
            try:
                import pwd

                pwd.getpwnam(user)
            except KeyError:
                user = "nobody"
            shutil.chown(folder, user)
            self.as_user = ["runuser", "-u", user, "--"]

    def _run(self, *args, **kwargs):
        return subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True, **kwargs)

    def init(self, extra_conf: str = ""):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.folder}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" + extra_conf
            )
        return self

    def start(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "30", "start")
        return self

    def stop(self, mode="fast"):
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self):
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-m", "fast", "-w", "-t", "30", "restart"
        )

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_server():
    """A new, started throwaway PostgreSQL, stopped and deleted afterwards."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL (pg_ctl, initdb)", "apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="staffdesk-test-pg."))
    server = PostgresServer(bin_dir, folder)
    try:
        server.init().start()
        yield server
    finally:
        try:
            server.stop("immediate")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class RedisServer:
    """A ``redis-server`` on 127.0.0.1:``port`` that can be paused (SIGSTOP: hung, not down) and resumed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("the throwaway redis-server did not answer")

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"


@contextmanager
def redis_server():
    """A new, started throwaway Redis, stopped afterwards."""
    if shutil.which("redis-server") is None:
        missing("redis-server", "apt-get install redis-server")
    folder = Path(tempfile.mkdtemp(prefix="staffdesk-test-redis."))
    server = RedisServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)

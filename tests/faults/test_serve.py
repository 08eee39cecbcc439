"""``config/serve.sh``, the README's one command, serves as production does (issue 27).

It sets everything up on a throwaway database (migrate, the demo data, the worker's schedules),
then serves through nginx: the pages on gunicorn's sync workers, the chat's event streams on ASGI
workers (``config/serve_proxied.sh``). Here a visitor gets the login page, logs in as the demo
owner with the form's CSRF token as a browser does, opens a page and the chat's event stream
through nginx, which streams at once; then SIGTERM to the script alone stops every process it
started (nginx, both gunicorns, the db_worker), and nothing is left listening.

SQLite in a temp folder on the SQLite pass (no configuration, as the README runs it); a throwaway
database on the PostgreSQL server of the PostgreSQL pass, which exercises the per-worker
connection settings (persistent connections for the pages, a pool for the streams). Most of its
time is the migration and the demo data of a fresh database.
"""

import http.client
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.throwaway import free_port, missing

ROOT = Path(__file__).resolve().parents[2]
DEMO_OWNER, DEMO_PASSWORD = "demo_owner", "Demo-pass-2026"  # accounts/management/commands/seed_demo.py

# The SQLite pass only: the quick start's own database, with no configuration. The same serving
# on PostgreSQL runs in the PostgreSQL pass through the benchmark's smoke test (--server proxied:
# config/serve_proxied.sh behind nginx); migrating and seeding a new database here costs ~30 s a pass.
pytestmark = [pytest.mark.slow]


@contextmanager
def throwaway_database():
    """A ``DATABASE_URL`` of an empty database, removed afterwards: a new database on the
    PostgreSQL server ``DATABASE_URL`` names, else an SQLite file in a temp folder."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urllib.parse.urlsplit(url)
        name = f"staffdesk_serve_{secrets.token_hex(4)}"
        admin = dict(host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres")
        with psycopg.connect(**admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            with psycopg.connect(**admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder = Path(tempfile.mkdtemp(prefix="staffdesk-test-serve."))
        try:
            yield f"sqlite:///{folder}/db.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def processes_of_session(session_id):
    """Pids of the live (not zombie) processes in session ``session_id`` (``/proc/<pid>/stat``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        if rest[0] != "Z" and int(rest[3]) == session_id:
            found.append(int(entry.name))
    return found


def read_events(response, wanted, timeout):
    """The stream's text read until it holds every string of ``wanted`` (or ``timeout`` seconds)."""
    text, deadline = "", time.monotonic() + timeout
    while not all(part in text for part in wanted) and time.monotonic() < deadline:
        chunk = response.read1(4096)
        if not chunk:
            break
        text += chunk.decode()
    return text


def test_serve_sh_serves_pages_and_streams_through_nginx_and_stops_whole():
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        missing("nginx", "apt-get install nginx (config/serve.sh and config/test.sh install it)")
    port = free_port()
    with throwaway_database() as database_url:
        redis = os.environ.get("TEST_REDIS_URL") or f"redis://127.0.0.1:{free_port()}/0"  # else a closed port: no Redis
        env = {
            **os.environ,
            "PORT": str(port),
            "PAGES_WORKERS": "2",
            "DATABASE_URL": database_url,
            # The cache's keys carry the database's name; the chat's doorbell gets channels of its own.
            "CACHE_URL": redis,
            "CHAT_REDIS_URL": redis,
            "CHAT_CHANNEL_PREFIX": f"staffdesk-test-serve-{port}:",
        }
        for name in ("DJANGO_ENV", "DJANGO_SETTINGS_MODULE", "SITE_URL", "CONN_MAX_AGE", "DATABASE_POOL_SIZE"):
            env.pop(name, None)
        process = subprocess.Popen(
            ["bash", "config/serve.sh"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240  # a fresh database's migration and demo data on a loaded box
            while True:
                assert process.poll() is None, "config/serve.sh ended"
                try:
                    with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:
                        login_page = response.read().decode()
                        break
                except (OSError, urllib.error.HTTPError):
                    assert time.monotonic() < deadline, "config/serve.sh did not come up"
                    time.sleep(0.3)

            # Log in as a browser does: the form's CSRF token, its cookie, the Referer.
            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            with browser.open(f"{base}/login/", timeout=15) as response:
                login_page = response.read().decode()
                assert response.headers["Server"].startswith("nginx")  # what answers is nginx
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
            form = urllib.parse.urlencode({"username": DEMO_OWNER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token})
            login = urllib.request.Request(f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"})
            with browser.open(login, timeout=15) as response:
                assert response.status == 200 and urllib.parse.urlsplit(response.url).path == "/"
            assert any(cookie.name == "sessionid" for cookie in jar)
            with browser.open(f"{base}/staff/", timeout=15) as response:
                assert response.status == 200 and "张三" in response.read().decode()

            # The workbench's event stream through nginx: the ASGI loop's "retry: 2000" (the
            # sync workers' polling loop would send 1000) and the first "changed" event at once.
            cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
            stream = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            stream.request("GET", "/chat/stream/", headers={"Cookie": cookie, "Accept": "text/event-stream"})
            response = stream.getresponse()
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
            events = read_events(response, ["retry: 2000", "event: changed"], timeout=10)
            assert "retry: 2000" in events and "event: changed" in events, events
            stream.close()
        finally:
            process.send_signal(signal.SIGTERM)  # to the script alone: it stops what it started
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                raise
            left = []
            for _ in range(50):  # children end just after the script's last wait
                left = processes_of_session(process.pid)
                if not left:
                    break
                time.sleep(0.1)
            if left:
                os.killpg(process.pid, signal.SIGKILL)
            assert not left, f"still running after SIGTERM: {left}"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{base}/login/", timeout=2)

"""Slow clients against the served app behind nginx (issue 28).

Sync workers read each request themselves: five clients sending their headers or body slowly
held every worker, and the site was unreachable until they gave up. ``config/serve_proxied.sh``
puts nginx (``config/nginx/staffdesk.conf``) in front, which reads every request completely
before a worker sees it. Here eight slow clients hold their connections open — half stalled
inside their headers, half inside a request body — against two sync workers, and a visitor's
page still answers, through the proxy. The chat's stream path goes to the ASGI workers.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.throwaway import free_port, missing

ROOT = Path(__file__).resolve().parents[2]


def fetch(url, timeout=15):
    """Status and body of a GET that does not follow redirects (raises on a timeout)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def proxied_site():
    """config/serve_proxied.sh on free ports, two sync workers, an empty SQLite database."""
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        missing("nginx", "apt-get install nginx (config/test.sh installs it)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="staffdesk-test-proxy."))
    env = {
        **os.environ,
        "PORT": str(port),
        "PAGES_PORT": str(free_port()),
        "STREAMS_PORT": str(free_port()),
        "PAGES_WORKERS": "2",
        # The pages used here read no table; the cache is never reached (a closed port).
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "CACHE_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DJANGO_ENV", None)
    process = subprocess.Popen(
        ["bash", "config/serve_proxied.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(f"{base}/login/", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "config/serve_proxied.sh ended"
            assert time.monotonic() < deadline, "the proxied site did not come up"
            time.sleep(0.2)
        yield base, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


def slow_client(port, *, stall_in_body):
    """A connection that sends part of a request and then nothing (kept open by the caller)."""
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    if stall_in_body:
        client.sendall(
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nusername=slow"
        )
    else:
        client.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
    return client


def test_slow_clients_cannot_take_the_site_away_behind_the_proxy(proxied_site):
    base, port = proxied_site
    slow = [slow_client(port, stall_in_body=n % 2 == 0) for n in range(8)]
    try:
        time.sleep(0.5)  # let nginx accept them all, and pass on anything it would pass on
        for _ in range(3):
            status, body = fetch(f"{base}/login/")
            assert status == 200 and "password" in body.lower()
        # The chat's event stream goes to the ASGI workers (an anonymous visitor is sent to log in).
        status, _ = fetch(f"{base}/chat/stream/")
        assert status == 302
    finally:
        for client in slow:
            client.close()

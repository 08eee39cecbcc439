"""A live server that serves the project the way production does: ASGI, through uvicorn.

pytest-django's ``live_server`` is a threaded WSGI server; the chat's event streams only run
their real path (the Redis doorbell, an open stream costing a coroutine) under ASGI. This runs
``config.asgi.application`` (with static files) in uvicorn on a free port in a background thread.

On in-memory SQLite every thread of the server uses the test's own connection, as Django's
``LiveServerThread`` does, because a second connection would see an empty database; requests
other than the event streams are served one at a time so that two of them never interleave
their transactions on that one connection. On PostgreSQL each server thread has its own
connection to the test database, as in production.
"""

import asyncio
import contextlib
import socket
import threading
import time
from types import SimpleNamespace

import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections


class _SharedConnections:
    """Stands in for the per-thread storage of ``django.db.connections``: one for all threads."""

    def __init__(self, default):
        self.default = default


def _serialised(app):
    lock = None

    async def wrapped(scope, receive, send):
        nonlocal lock
        if scope["type"] != "http" or scope["path"].endswith("/stream/"):
            return await app(scope, receive, send)
        if lock is None:
            lock = asyncio.Lock()
        async with lock:
            return await app(scope, receive, send)

    return wrapped


@contextlib.contextmanager
def serve_asgi():
    """Serve the project over HTTP at ``.url`` until the block ends."""
    from config.asgi import application

    connection = connections["default"]
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    original = connections._connections
    app = ASGIStaticFilesHandler(application)
    if shared:
        connection.inc_thread_sharing()
        connections._connections = _SharedConnections(connection)
        app = _serialised(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        if shared:
            connections._connections = original
            connection.dec_thread_sharing()
        elif connection.vendor == "postgresql":
            # Connections the server's worker threads opened outlive them; end them, or the test
            # database cannot be flushed or dropped.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

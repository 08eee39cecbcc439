"""Redis down or hung under a running app (issue 28).

Before: every cache call during an outage logged a traceback (94,040 lines in a minute), every
call to a hung Redis waited its whole timeout (4 s a page), and a logout made while Redis hung
came back to life when it resumed, until the cached copy's five-minute cap.
"""

import logging
import socket
import threading
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.throwaway import redis_server
from utilities.cache import ResilientRedisCache

CAMPAIGNS = "/campaigns/"


class HungRedis:
    """A TCP server that accepts connections and never answers: a Redis that hangs."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        for conn in self.connections:
            conn.close()
        self.listener.close()


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)


def test_a_hung_redis_is_asked_once_and_the_outage_logged_once_without_a_traceback(caplog):
    hung = HungRedis()
    try:
        cache = ResilientRedisCache(
            f"redis://127.0.0.1:{hung.port}/0",
            {
                "KEY_PREFIX": f"hung-{uuid.uuid4().hex}",
                "RETRY_SECONDS": 60,  # no second look during this test
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            },
        )
        with caplog.at_level(logging.INFO, logger="utilities.cache"):
            for n in range(20):  # what two or three pages ask of the cache
                assert cache.get(f"session-{n}", "miss") == "miss"
                cache.set(f"session-{n}", {"user": n}, 30)
                assert cache.get_many(["a", "b"]) == {}
                cache.delete(f"session-{n}")
        # The first call waited and failed; none of the other 79 went to Redis at all.
        assert len(hung.connections) == 1
        records = [r for r in caplog.records if r.name == "utilities.cache"]
        assert len(records) == 1, [r.getMessage() for r in records]
        assert "unreachable" in records[0].getMessage() and records[0].exc_info is None
        assert cache.health.down and cache.health.calls_without_cache == 80
        assert cache.health.invalidations_missed == 20
    finally:
        hung.close()


def test_a_redis_that_refuses_connections_degrades_to_misses_and_is_logged_once(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # closed again when the block ends
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{closed_port}/0", {"KEY_PREFIX": f"closed-{uuid.uuid4().hex}", "RETRY_SECONDS": 60}
    )
    with caplog.at_level(logging.INFO, logger="utilities.cache"):
        for _ in range(50):
            assert cache.get("k", "default") == "default"
            assert cache.add("k", 1) is False
            assert cache.has_key("k") is False
    assert len([r for r in caplog.records if r.name == "utilities.cache"]) == 1


@pytest.mark.django_db
def test_a_logout_made_while_redis_hung_holds_when_it_resumes(client, plain_staff, settings, caplog):
    with redis_server() as redis:
        settings.CACHES = {
            "default": {
                "BACKEND": "utilities.cache.ResilientRedisCache",
                "LOCATION": redis.url(1),
                "KEY_PREFIX": f"logout-{uuid.uuid4().hex}",
                "RETRY_SECONDS": 0.2,
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            }
        }
        from django.core.cache import caches

        cache = caches["default"]
        client.force_login(plain_staff)
        assert client.get(CAMPAIGNS).status_code == 200
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        store_class = type(client.session)
        assert cache.get(store_class.cache_key_prefix + cookie), "the session was not cached: this test would prove nothing"

        redis.pause()
        with caplog.at_level(logging.INFO, logger="utilities.cache"):
            response = client.post(reverse("accounts:logout"))
            assert response.status_code == 302
            assert cache.health.down and cache.health.invalidations_missed >= 1
            redis.resume()
            wait_until(lambda: not cache.health.down)

        # The stale copy of the ended session was still in Redis; it is gone now.
        client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
        response = client.get(CAMPAIGNS)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        messages = [r.getMessage() for r in caplog.records if r.name == "utilities.cache"]
        assert len(messages) == 2, messages
        assert "unreachable" in messages[0]
        assert "reachable again" in messages[1] and "invalidations" in messages[1]

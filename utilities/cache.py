"""The shared cache: Django's own Redis backend, degrading to "not cached" when Redis is down.

What the app keeps there is a copy of database rows it can read again (sessions through
``cached_db``, a staff account's permission set): a missing Redis must cost a query, not the
page. Nothing here ever holds the only copy of anything.

When Redis fails (down, or hung: a call that waits its whole socket timeout), the first failed call
marks it down for the whole process (issue 28): every later call, in this request and the next
ones, answers at once as a miss (reads) or a no-op (writes, deletes) without touching the network,
so a hung Redis costs one timeout per process, not one per cache call (about eight a page). A
thread of the process then asks Redis every ``RETRY_SECONDS`` (the cache's setting, default 2)
whether it is back. The outage is logged twice per process, whatever the traffic: one warning when
it starts, one when it ends, with the number of cache calls that went without the cache.

An invalidation made meanwhile (ending a session, retiring a permission generation) could not
reach Redis, so the copies it meant to drop may be read once Redis is back: a logout would come
back to life. So, when Redis answers again after an outage this process saw, the process first
drops every entry under this cache's key prefix (all of them copies; SCAN + UNLINK), and only then
uses the cache again. No request pays anything for this: it runs in the checking thread, once per
outage. Between Redis coming back and the drop (at most ``RETRY_SECONDS``) another process could
still read such a copy; the five-minute cap on cached sessions and permission sets
(``accounts/session_store.py``, ``accounts/permission_cache.py``) bounds even that.
"""

import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 2.0


class _ReusingClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool instead of building one
    per call (thread-safe: the pool hands out the connections)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = getattr(pool, "_staffdesk_client", None)
        if client is None:
            client = pool._staffdesk_client = self._client(connection_pool=pool)
        return client


class CacheHealth:
    """Whether one Redis cache (location + key prefix) answers, for the whole process.

    ``down`` is read without a lock on every cache call (a bool); everything else changes under
    ``lock``. Django builds a cache object per thread, so this lives in ``_HEALTH``, shared.
    """

    def __init__(self, name, retry_seconds):
        self.name = name
        self.retry_seconds = retry_seconds
        self.lock = threading.Lock()
        self.down = False
        self.down_since = 0.0
        self.calls_without_cache = 0
        self.invalidations_missed = 0
        self.outages = 0

    def count(self, invalidation):
        with self.lock:
            self.calls_without_cache += 1
            if invalidation:
                self.invalidations_missed += 1

    def mark_down(self, backend, error, invalidation):
        """The first failure of an outage: log it once and start the thread that waits for Redis."""
        with self.lock:
            self.calls_without_cache += 1
            if invalidation:
                self.invalidations_missed += 1
            if self.down:
                return
            self.down = True
            self.down_since = time.monotonic()
            self.outages += 1
        logger.warning(
            "cache %s unreachable (%s: %s): reading the database instead, checking again every %g s",
            self.name,
            type(error).__name__,
            error,
            self.retry_seconds,
        )
        threading.Thread(target=self._wait_for_redis, args=(backend,), daemon=True, name="cache-health").start()

    def _wait_for_redis(self, backend):
        while True:
            time.sleep(self.retry_seconds)
            try:
                backend._cache.get_client(write=True).ping()
                dropped = backend._drop_every_entry()
            except RedisError:
                continue
            except Exception:  # never let the thread die with the cache marked down for good
                logger.exception("cache %s: checking whether it is back failed", self.name)
                continue
            with self.lock:
                seconds = time.monotonic() - self.down_since
                calls, missed = self.calls_without_cache, self.invalidations_missed
                self.calls_without_cache = self.invalidations_missed = 0
                self.down = False
            logger.warning(
                "cache %s reachable again after %.0f s: %d cache calls went to the database meanwhile "
                "(%d invalidations among them); dropped its %d cached entries, which may have missed them",
                self.name,
                seconds,
                calls,
                missed,
                dropped,
            )
            return


_HEALTH = {}
_HEALTH_LOCK = threading.Lock()


def _health_for(name, retry_seconds):
    with _HEALTH_LOCK:
        if name not in _HEALTH:
            _HEALTH[name] = CacheHealth(name, retry_seconds)
        return _HEALTH[name]


def _glob_escape(text):
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose failures degrade to cache misses.

    Extra setting: ``RETRY_SECONDS`` (next to ``LOCATION``), how often a process that saw Redis
    fail asks it again. ``health`` is this cache's ``CacheHealth`` for the process.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
        self.health = _health_for(
            f"{server}|{self.key_prefix}", float(params.get("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        )

    def _guard(self, call, default, invalidation=False):
        """``call()``, or ``default`` at once while Redis is down (and when this call finds it so)."""
        health = self.health
        if health.down:
            health.count(invalidation)
            return default
        try:
            return call()
        except RedisError as error:
            health.mark_down(self, error, invalidation)
            return default

    def _drop_every_entry(self):
        """Delete every key under this cache's prefix (``SCAN`` + ``UNLINK``); return how many."""
        client = self._cache.get_client(write=True)
        pattern = _glob_escape(self.make_key("")) + "*"
        dropped = 0
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                dropped += client.unlink(*batch)
                batch = []
        if batch:
            dropped += client.unlink(*batch)
        return dropped

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False, invalidation=True)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None, invalidation=True)


class Generations:
    """Cached values that a change retires at once, race-free, without knowing every key.

    A value is stored stamped with the *generation* of its scope (a random token kept in the
    cache under ``<namespace>:generation:<scope>``); ``retire(scope)`` draws a new generation, which
    makes every value of that scope a miss. A reader takes the generation before it reads the
    database, so a value it computed from rows a concurrent change then replaced carries the
    generation the change has retired. ``retire`` draws at once (the change's own transaction
    reads the new state) and again after the commit (a reader in between may have stored the
    rows of before the change under the first new generation).

    ``get(scope, key, compute)``: one cache round trip on a hit; ``compute()`` and two on a miss.
    """

    def __init__(self, namespace, timeout_seconds):
        self.namespace = namespace
        self.timeout = timeout_seconds

    def _generation_key(self, scope):
        return f"{self.namespace}:generation:{scope}"

    def get(self, scope, key, compute):
        value_key = f"{self.namespace}:{scope}:{key}"
        generation_key = self._generation_key(scope)
        found = cache.get_many([value_key, generation_key])
        generation = found.get(generation_key)
        if generation is None:
            generation = uuid.uuid4().hex
            if not cache.add(generation_key, generation, timeout=None):
                generation = cache.get(generation_key)  # another process drew it first (or no cache)
        stored = found.get(value_key)
        if generation is not None and stored is not None and stored[0] == generation:
            return stored[1]
        value = compute()
        if generation is not None:
            cache.set(value_key, (generation, value), self.timeout)
        return value

    def retire(self, scope):
        """Make every value of ``scope`` a miss: now, and again after the current commit."""

        def draw():
            cache.set(self._generation_key(scope), uuid.uuid4().hex, timeout=None)

        draw()
        transaction.on_commit(draw)

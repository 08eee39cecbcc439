"""The shared cache: Django's own Redis backend, degrading to "not cached" when Redis is down.

What the app keeps there is a copy of database rows it can read again (sessions through
``cached_db``, a staff account's permission set): a missing Redis must cost a query, not the
page. Reads that fail count as misses and writes that fail are dropped, each logged. Nothing
here ever holds the only copy of anything.

A failed *delete* (an invalidation) is logged as an error: the entry it meant to drop may still be
read by a worker that reaches Redis (a partial outage) or once Redis is back. What guards rights
carries a short timeout for that reason: a session's cached copy and a staff account's permission
set live five minutes at most (``accounts/session_store.py``, ``accounts/permission_cache.py``).
"""

import logging
import uuid

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class _ReusingClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool instead of building one
    per call (thread-safe: the pool hands out the connections)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = getattr(pool, "_staffdesk_client", None)
        if client is None:
            client = pool._staffdesk_client = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose failures degrade to cache misses."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            logger.warning("cache read failed; reading the database instead", exc_info=True)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError:
            logger.warning("cache read failed; reading the database instead", exc_info=True)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError:
            logger.warning("cache read failed", exc_info=True)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError:
            logger.warning("cache write failed; the value stays uncached", exc_info=True)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError:
            logger.warning("cache write failed; the values stay uncached", exc_info=True)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError:
            logger.warning("cache write failed; the value stays uncached", exc_info=True)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError:
            logger.warning("cache write failed", exc_info=True)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError:
            logger.error("cache invalidation failed: %s may be read stale once the cache is back", key, exc_info=True)
            return False

    def delete_many(self, keys, version=None):
        keys = list(keys)
        try:
            return super().delete_many(keys, version)
        except RedisError:
            logger.error("cache invalidation failed for %d keys", len(keys), exc_info=True)


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

"""The session store: django-qsessions' ``cached_db`` with cached copies that live five minutes.

``cached_db`` keeps each session in the cache for as long as the session itself lives (two weeks).
Ending a session deletes the row and the cached copy; if that delete cannot reach Redis from the
worker that ends it while other workers still can (a partial outage), the copy would keep the
session alive elsewhere for its whole life. Capped at ``CACHE_SECONDS``, an ended session is
refused everywhere within five minutes even then, for one extra session read per five minutes.
"""

from django.conf import settings
from django.core.cache import caches
from qsessions.backends.cached_db import SessionStore as QSessionsCachedStore

CACHE_SECONDS = 300


class _CappedCache:
    """The session cache, with every write's timeout capped at ``CACHE_SECONDS``."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=CACHE_SECONDS, version=None):
        capped = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return self._cache.set(key, value, capped, version=version)

    async def aset(self, key, value, timeout=CACHE_SECONDS, version=None):
        capped = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return await self._cache.aset(key, value, capped, version=version)

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __contains__(self, key):
        return key in self._cache


class SessionStore(QSessionsCachedStore):
    """``qsessions.backends.cached_db.SessionStore`` whose cached copies expire after five minutes."""

    def __init__(self, session_key=None, user_agent=None, ip=None):
        super().__init__(session_key=session_key, user_agent=user_agent, ip=ip)
        self._cache = _CappedCache(caches[settings.SESSION_CACHE_ALIAS])

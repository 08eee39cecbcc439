"""The doorbell: after a chat write commits, wake the event streams of the people it concerns.

Nothing travels through Redis but the name of what changed (``conv:12``, ``user:5``,
``tenant:3``); every stream then reads the database for what it has not sent yet. A lost ring,
a Redis restart or a worker restart therefore loses nothing: a stream that cannot reach Redis
checks the database every ``CHAT_POLL_SECONDS`` instead, and a browser that reconnects resyncs
from the last message id it has.

Each worker process holds one Redis subscription (a pattern on ``CHAT_CHANNEL_PREFIX``) and fans
rings out to the streams waiting in that process, so 200 buyers cost one Redis connection.
"""

import asyncio
import logging
import weakref
from collections import defaultdict

import redis
import redis.asyncio
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_client = None


def conversation_key(conversation_id):
    return f"conv:{conversation_id}"


def user_key(user_id):
    return f"user:{user_id}"


def tenant_key(tenant_id):
    return f"tenant:{tenant_id}"


def queue_key(group_id):
    """Rung when a group's queue moves, so that waiting buyers see their new place at once."""
    return f"queue:{group_id}"


def _sync_client():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.CHAT_REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    return _client


def publish(keys):
    """Ring now (outside a transaction: the change must already be committed)."""
    if settings.CHAT_PUSH != "redis":
        return
    try:
        pipe = _sync_client().pipeline(transaction=False)
        for key in keys:
            pipe.publish(settings.CHAT_CHANNEL_PREFIX + key, "1")
        pipe.execute()
    except redis.RedisError as exc:  # streams fall back to reading the database on their own
        logger.warning("chat doorbell: Redis unreachable (%s); streams poll the database", exc)


def ring(*keys):
    """Ring ``keys`` once the current transaction commits (at once outside one)."""
    keys = [key for key in keys if key]
    transaction.on_commit(lambda: publish(keys))


class Doorbell:
    """One asyncio event per stream, set when any of its keys rings (one hub per event loop)."""

    def __init__(self, hub, keys):
        self.hub = hub
        self.keys = tuple(keys)
        self.event = asyncio.Event()

    async def wait(self, timeout):
        """Wait for a ring or ``timeout`` seconds; True if rung. Polls faster when Redis is away."""
        if not self.hub.connected:
            timeout = min(timeout, settings.CHAT_POLL_SECONDS)
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def clear(self):
        self.event.clear()

    def close(self):
        self.hub.remove(self)


class Hub:
    def __init__(self):
        self.waiting = defaultdict(set)
        self.connected = False
        self.task = None

    def listen_to(self, keys):
        bell = Doorbell(self, keys)
        for key in bell.keys:
            self.waiting[key].add(bell)
        if settings.CHAT_PUSH == "redis" and (self.task is None or self.task.done()):
            self.task = asyncio.get_running_loop().create_task(self._listen())
        return bell

    def remove(self, bell):
        for key in bell.keys:
            bells = self.waiting.get(key)
            if bells is not None:
                bells.discard(bell)
                if not bells:
                    del self.waiting[key]

    def _ring_all(self):
        for bells in list(self.waiting.values()):
            for bell in bells:
                bell.event.set()

    async def _listen(self):
        prefix = settings.CHAT_CHANNEL_PREFIX
        while self.waiting:
            client = redis.asyncio.Redis.from_url(settings.CHAT_REDIS_URL, socket_connect_timeout=1)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(prefix + "*")
                    self.connected = True
                    # Whatever rang while we were away is read from the database now.
                    self._ring_all()
                    while self.waiting:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                        if message is None:
                            continue
                        key = message["channel"].decode()[len(prefix) :]
                        for bell in list(self.waiting.get(key, ())):
                            bell.event.set()
            except (redis.RedisError, OSError) as exc:
                if self.connected:
                    logger.warning("chat doorbell: lost Redis (%s); streams poll the database", exc)
                self.connected = False
                self._ring_all()
                await asyncio.sleep(1)
            finally:
                self.connected = False
                await client.aclose()


_hubs = weakref.WeakKeyDictionary()


def listen(keys):
    """Return a ``Doorbell`` for ``keys`` on the running event loop's hub; ``close()`` it when done."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub.listen_to(keys)

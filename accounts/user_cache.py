"""The logged-in user's row and permission set, from a cache no writer can forget (issue 27).

Every request loads its user (session → user row, with tenant and position) and, for a staff
account, its permission set; these change rarely, and a change must apply at the very next
request (R-14 rights, R-15 disabling, unbinding, freezing). So each request reads one small row
from the database — the *generation* of the user and of its tenant — and takes the user object,
its permission set included, from a cache keyed by it:

- ``cache_generation`` is written only by database triggers (``accounts`` migration 0019,
  ``orgchart`` migration 0006): every UPDATE of the user or tenant row, every change to the
  user's permissions or groups, to its group's permissions, to its position or its position's
  permissions moves it, in the same transaction as the write. A service, the admin, SCIM, a
  ``queryset.update()`` or a raw statement all retire the cached copy; none can forget to.
- The key also holds the row's password hash, user name and creation times, so a row recreated under a
  reused id (a rebuilt database next to a kept Redis, a test's rolled-back sequence) never
  matches a copy of its predecessor.

Two levels: this process's memory (a bounded LRU of pickled objects, so no request shares an
instance with another), then the shared cache (``django.core.cache``, Redis in production,
whose outage only costs the database read). Neither can serve a stale copy: the key comes from
the database on every request. A value read just as a writer commits may be newer than its
key's generation, never older (the generation is read first).

``cached_user(user_id, load)``: the user (its ``cache_key`` set to the key it was read under), or
``None`` when the row is gone. ``load(user_id)`` reads the row (and computes the permission set)
on a miss.
"""

import hashlib
import pickle
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.db import connection

LOCAL_ENTRIES = 2048
SHARED_TIMEOUT_SECONDS = 3600  # keys carry their generation: an old one is only ever unused

# One round trip, two primary-key lookups; raw SQL, for it runs on every request.
GENERATION_SQL = """
SELECT u.cache_generation, u.password, u.date_joined, u.username, t.cache_generation, t.created_at
FROM accounts_user u LEFT JOIN accounts_tenant t ON t.id = u.tenant_id
WHERE u.id = %s
"""

_local = OrderedDict()
_lock = threading.Lock()


def generation_key(user_id):
    """The cache key of ``user_id``'s current state (a string), or ``None`` when there is no such row."""
    with connection.cursor() as cursor:
        cursor.execute(GENERATION_SQL, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user_generation, password, joined, username, tenant_generation, tenant_created = row
    identity = hashlib.blake2b(f"{password}|{joined}|{username}|{tenant_created}".encode(), digest_size=12).hexdigest()
    return f"user:{user_id}:{user_generation}:{tenant_generation or 0}:{identity}"


def _local_get(key):
    with _lock:
        data = _local.get(key)
        if data is not None:
            _local.move_to_end(key)
        return data


def _local_set(key, data):
    with _lock:
        _local[key] = data
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def clear_local():
    """Empty this process's copies (tests; the shared cache is emptied with ``cache.clear()``)."""
    with _lock:
        _local.clear()


def cached_user(user_id, load):
    """The user ``user_id`` (a fresh object for this request), or ``None`` when the row is gone."""
    key = generation_key(user_id)
    if key is None:
        return None
    data = _local_get(key)
    if data is None:
        data = cache.get(key)
        if data is None:
            user = load(user_id)
            if user is None:
                return None
            data = pickle.dumps(user, protocol=pickle.HIGHEST_PROTOCOL)
            cache.set(key, data, SHARED_TIMEOUT_SECONDS)
        _local_set(key, data)
    user = pickle.loads(data)
    user.cache_key = key  # what the layout's kept parts are keyed by (accounts.layout)
    return user

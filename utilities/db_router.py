"""Reads of reports, exports, chat-history search and the audit log from a streaming replica (issue 28).

With ``DATABASE_REPLICA_URL`` set, ``DATABASES["replica"]`` is a hot standby of the primary and
``ReplicaRouter`` sends it the reads of the figures those pages show (``REPLICA_MODELS``: the
effect tables, the audit log, chat conversations and messages) while a view decorated with
``reads_from_replica`` runs. Everything else reads the primary, and so does every write: in
particular what decides *which* rows a viewer may see (the user, groups, grants, permissions), so
a right removed applies at the next request (R-14) whatever the replica's delay.

The primary instead, without an error, when:

- **the request wrote, or the browser's session wrote within ``DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS``**
  (read-your-writes): every ORM write passes ``db_for_write``, which marks the request; the
  middleware then sets a cookie that lives that long (writes of session and presence rows do not
  count: no replica-routed page shows them);
- **the replica lags more than ``DATABASE_REPLICA_MAX_LAG_SECONDS``**, or cannot be reached: checked
  at most every ``DATABASE_REPLICA_CHECK_SECONDS`` per process, with
  ``pg_last_xact_replay_timestamp()`` (a standby that has replayed all it received counts as
  current, however old its last transaction). A change of state is logged once (a warning when
  falling back, the recovery as info);
- **the replica fails during the view** (stopped between two checks): the read-only view runs again
  on the primary, and the replica is taken for down until the next check.

Without ``DATABASE_REPLICA_URL`` nothing here is installed (settings) and every read is the primary's.
"""

import contextvars
import functools
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
COOKIE = "staffdesk_wrote"

# The figures the four kinds of page read: ``app_label.model`` (lower case).
REPLICA_MODELS = frozenset(
    {
        "campaigns.effectdaily",
        "campaigns.effectbycontact",
        "campaigns.effectbycampaign",
        "campaigns.effectbycampaigncontact",
        "campaigns.effectwindow",
        "accounts.auditentry",
        "chat.conversation",
        "chat.message",
    }
)
# Rows written on almost every request that no replica-routed page reads.
UNCOUNTED_WRITES = frozenset({"qsessions.session", "chat.presence"})

_in_replica_view = contextvars.ContextVar("staffdesk_replica_view", default=False)
_request_wrote = contextvars.ContextVar("staffdesk_request_wrote", default=False)


def replica_configured():
    return REPLICA in settings.DATABASES


class _ReplicaState:
    """Whether the replica may serve reads, as last checked by this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = None  # time.monotonic() of the last check
        self.usable = False
        self.reason = ""

    def reset(self):
        with self.lock:
            self.checked_at = None
            self.usable = False
            self.reason = ""

    def _set(self, usable, reason):
        was, self.usable, self.reason = self.usable, usable, reason
        if was and not usable:
            logger.warning("replica not used, reading the primary instead: %s", reason)
        elif usable and not was and self.checked_at is not None:
            logger.info("replica in use again")
        elif not usable and self.checked_at is None:
            logger.warning("replica not used, reading the primary instead: %s", reason)

    def mark_down(self, reason):
        with self.lock:
            self._set(False, reason)
            self.checked_at = time.monotonic()

    def is_usable(self):
        now = time.monotonic()
        if self.checked_at is not None and now - self.checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
            return self.usable
        # One thread checks; the others meanwhile go by the last answer instead of waiting for it
        # (a hung replica would hold them for the connect timeout).
        if not self.lock.acquire(blocking=False):
            return self.usable
        try:
            if self.checked_at is not None and now - self.checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
                return self.usable
            usable, reason = _check_replica()
            self._set(usable, reason)
            self.checked_at = now
            return usable
        finally:
            self.lock.release()


def _check_replica():
    """``(usable, reason)``: the replica answers, is a standby, and lags at most the bound."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(),"
                " CASE WHEN pg_last_wal_receive_lsn() IS NOT NULL"
                "  AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                "  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as error:
        connection.close()
        return False, f"unreachable ({type(error).__name__}: {str(error).strip()[:200]})"
    if not in_recovery:
        return False, "it is not a standby (promoted, or not a replica at all)"
    bound = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    if lag is None:
        return False, "it has replayed nothing yet"
    if float(lag) > bound:
        return False, f"it lags {float(lag):.1f} s behind, more than the {bound:g} s allowed"
    return True, ""


state = _ReplicaState()


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: replica reads inside ``reads_from_replica`` views, see the module."""

    def db_for_read(self, model, **hints):
        if _in_replica_view.get() and model._meta.label_lower in REPLICA_MODELS:
            return REPLICA
        # Explicitly the primary, even for a row related to one read from the replica.
        return PRIMARY

    def db_for_write(self, model, **hints):
        if model._meta.label_lower not in UNCOUNTED_WRITES:
            _request_wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


def wrote_recently(request):
    """Whether this request, or this browser's session within the window, wrote."""
    return _request_wrote.get() or COOKIE in request.COOKIES


def reads_from_replica(view):
    """Run a read-only view's reads of ``REPLICA_MODELS`` on the replica when it may serve them.

    Only GET and HEAD; the primary when the replica is not configured, not usable, or the session
    wrote recently. A replica that fails during the view: the view runs again on the primary.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or not replica_configured()
            or wrote_recently(request)
            or not state.is_usable()
        ):
            return view(request, *args, **kwargs)
        token = _in_replica_view.set(True)
        try:
            return view(request, *args, **kwargs)
        except DatabaseError as error:
            replica = connections[REPLICA]
            if replica.connection is not None and replica.is_usable():
                raise  # the primary failed, not the replica
            replica.close()
            state.mark_down(f"failed during a page ({type(error).__name__}: {str(error).strip()[:200]})")
            _in_replica_view.set(False)
            return view(request, *args, **kwargs)
        finally:
            _in_replica_view.reset(token)

    return wrapper


class ReadYourWritesMiddleware:
    """First in ``MIDDLEWARE`` (with a replica): starts each request as "wrote nothing" and, when
    it wrote, sets the cookie that sends the session's replica reads to the primary for
    ``DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_wrote.set(False)
        try:
            response = self.get_response(request)
            if _request_wrote.get():
                response.set_cookie(
                    COOKIE,
                    "1",
                    max_age=settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            _request_wrote.reset(token)

"""Listing and ending a user's sessions for real (R-15, R-21): the rows are deleted, so no old cookie returns.

Sessions live in django-qsessions' table keyed by user (user, ip, user_agent, created_at,
updated_at). Pages and the audit log never show a session key, which is the bearer credential
itself: they name a session by ``session_public_id``, a keyed hash of the key.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from qsessions.models import Session

from .audit import audit_record

PUBLIC_ID_SALT = "accounts.sessions.public_id"


def session_public_id(session_key):
    """Return the opaque id (20 hex characters) that stands for ``session_key`` on pages and in the audit."""
    return salted_hmac(PUBLIC_ID_SALT, session_key).hexdigest()[:20]


def live_sessions(user):
    """A queryset of the live sessions of ``user``, most recently seen first (expired rows left
    out); ``with_public_ids`` names the rows read from it."""
    return (
        Session.objects.filter(user=user, expire_date__gt=timezone.now())
        .only("session_key", "user_id", "ip", "user_agent", "created_at", "updated_at", "expire_date")
        .order_by("-updated_at")
    )


def with_public_ids(sessions):
    """``sessions`` (an iterable of ``qsessions.models.Session``) as a list, each with its ``public_id``.

    ``session_public_id``'s HMAC with its key derived once for the list, not once per row."""
    sessions = list(sessions)
    if not sessions:
        return sessions
    key = hashlib.sha1(f"{PUBLIC_ID_SALT}{settings.SECRET_KEY}".encode()).digest()  # as salted_hmac derives it
    for session in sessions:
        session.public_id = hmac.new(key, session.session_key.encode(), hashlib.sha1).hexdigest()[:20]
    return sessions


def sessions_of(user):
    """The live sessions of ``user``, most recently seen first; each gets ``public_id``.

    Returns a list of ``qsessions.models.Session`` (one query). Expired rows are left out.
    """
    return with_public_ids(live_sessions(user))


def session_by_public_id(user, public_id):
    """Return ``user``'s live session named ``public_id``, or ``None``."""
    return next((s for s in sessions_of(user) if s.public_id == public_id), None)


def can_manage_sessions_of(actor, user):
    """Whether ``actor`` may see and end ``user``'s sessions: its own, or its staff's for a main account (R-21)."""
    if actor.pk == user.pk:
        return True
    return bool(actor.is_owner and user.is_staff_account and actor.tenant_id == user.tenant_id)


def sessions_end(*, user, keep_session_key=None):
    """Delete every session of ``user`` (but ``keep_session_key``, the caller's own); return how many.

    Used when an account is disabled, frozen, offboarded, leaves its window, or changes its
    password: re-enabling the account later must not bring an old cookie back to life. The
    calling service writes the audit entry.
    """
    sessions = Session.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    return _delete(sessions)


def _delete(sessions):
    """Delete the ``sessions`` rows and their cached copies; return how many rows went.

    qsessions drops the cached copies before deleting the rows. A request of that user arriving
    before this transaction commits would still find the row and cache it again, so the copies
    are dropped once more after the commit: an ended session stays ended (R-15).
    """
    keys = list(sessions.values_list("session_key", flat=True))
    deleted = sessions.delete()[0]
    prefix = getattr(Session.get_session_store_class(), "cache_key_prefix", None)
    if keys and prefix is not None:
        cache = caches[settings.SESSION_CACHE_ALIAS]
        transaction.on_commit(lambda: cache.delete_many([prefix + key for key in keys]))
    return deleted


def _describe(session):
    return {"session": session_public_id(session.session_key), "device": session.device, "ip": session.ip}


@transaction.atomic
def session_end(*, actor, session):
    """End one session (the browser holding it is logged out on its next request); audited.

    ``session`` is a ``qsessions`` Session row. Raises ``PermissionDenied`` unless it is the
    actor's own or, for a main account, one of its staff's (R-15, R-21).
    """
    user = session.user
    if user is None or not can_manage_sessions_of(actor, user):
        raise PermissionDenied
    detail = _describe(session)
    _delete(Session.objects.filter(pk=session.pk))
    audit_record(actor=actor, action="session.end", target=user, before=detail)
    return detail


@transaction.atomic
def sessions_end_others(*, actor, user, keep_session_key=None):
    """End all of ``user``'s sessions but ``keep_session_key`` (the actor's current one); audited.

    Returns how many ended. Raises ``PermissionDenied`` as ``session_end`` does.
    """
    if not can_manage_sessions_of(actor, user):
        raise PermissionDenied
    ended = sessions_end(user=user, keep_session_key=keep_session_key)
    if ended:
        audit_record(actor=actor, action="session.end_all", target=user, after={"ended": ended})
    return ended

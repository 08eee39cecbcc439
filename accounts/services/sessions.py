"""Ending a user's sessions for real (R-15, R-21): the rows are deleted, so no old cookie returns."""

from qsessions.models import Session


def sessions_end(*, user, keep_session_key=None):
    """Delete every session of ``user`` (but ``keep_session_key``, the caller's own); return how many.

    Used when an account is disabled, frozen, offboarded, leaves its window, or changes its
    password: re-enabling the account later must not bring an old cookie back to life.
    """
    sessions = Session.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    return sessions.delete()[0]

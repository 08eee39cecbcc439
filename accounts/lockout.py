"""Lockout after repeated failed logins (R-21), on top of django-axes.

django-axes counts failures per (login, client address) pair (``AXES_LOCKOUT_PARAMETERS``) and
refuses the pair for ``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures. This module
gives axes the project's login normalisation and client address, renders the locked-out page,
adds the account-wide hourly cap (OWASP ASVS V2.2.1, see ``config/settings.py``) and answers
"is this account locked, and until when".
"""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from .backends import normalize_login
from utilities.request_context import client_ip


# axes keeps the login in 255-character columns (AccessAttempt, AccessLog, AccessFailureLog).
AXES_USERNAME_MAX_LENGTH = 255


def lockout_username(request, credentials):
    """axes' ``AXES_USERNAME_CALLABLE``: the stored login (``ACME : Li`` and ``acme:li`` are one).

    Cut to axes' column (``AXES_USERNAME_MAX_LENGTH``): the login forms refuse longer names with
    a form error, but any other way into ``authenticate`` (the admin's login, a future API) must
    not turn a long name into a database error (django-axes #1381). No stored login is that long.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    return normalize_login(username)[:AXES_USERNAME_MAX_LENGTH] if username else username


def lockout_client_ip(request):
    """axes' ``AXES_CLIENT_IP_CALLABLE``: the address the audit log and sessions record."""
    return client_ip(request)


def locked_until(username, ip_address):
    """Return when the (login, address) pair may try again, or ``None`` when it is not locked.

    ``username`` is a stored login (normalised); the answer is timezone-aware.
    """
    cool_off = get_cool_off()
    since = timezone.now() - cool_off
    attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address, attempt_time__gte=since)
    row = attempts.aggregate(last=Max("attempt_time"))
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    if row["last"] is None or failures < settings.AXES_FAILURE_LIMIT:
        return None
    return row["last"] + cool_off


def locked_addresses_count(username):
    """How many client addresses are locked out of ``username`` right now (shown to the owner)."""
    since = timezone.now() - get_cool_off()
    return (
        AccessAttempt.objects.filter(
            username=username, attempt_time__gte=since, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        )
        .values("ip_address")
        .distinct()
        .count()
    )


def account_cap_retry_at(username, ip_address, now=None):
    """Return when ``username`` may be tried again from ``ip_address`` under the hourly cap, or None.

    At most ``LOGIN_FAILURES_PER_ACCOUNT_HOUR`` failures per account per hour from addresses the
    account has never logged in from (ASVS V2.2.1); addresses with a successful login keep only
    their per-address limit, so an attacker cannot shut the owner out of their usual network.
    """
    cap = settings.LOGIN_FAILURES_PER_ACCOUNT_HOUR
    if not cap or not username or not settings.AXES_ENABLED:
        return None
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = AccessFailureLog.objects.filter(username=username, attempt_time__gte=hour_ago)
    if recent.count() < cap:
        return None
    if ip_address and AccessLog.objects.filter(username=username, ip_address=ip_address).exists():
        return None
    # The cap lifts once the oldest failure that keeps it reached leaves the hour.
    times = list(recent.order_by("-attempt_time").values_list("attempt_time", flat=True)[:cap])
    return times[-1] + timedelta(hours=1)


def is_locked(request, username):
    """Whether axes refuses ``username`` from this request's address (a login or a code step)."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def lockout_response(request, original_response=None, credentials=None):
    """axes' ``AXES_LOCKOUT_CALLABLE``: the locked-out page, in the visitor's language (429)."""
    username = lockout_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    retry_at = locked_until(username, ip_address) if username else None
    if retry_at is None:
        retry_at = timezone.now() + get_cool_off()
    # The login step that was under way is over either way.
    request.session.pop("pending_second_factor", None)
    return render(
        request,
        "registration/locked_out.html",
        {"retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )

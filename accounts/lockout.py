"""Lockout after repeated failed logins (R-21), on top of django-axes.

django-axes counts failures per (login, client address) pair (``AXES_LOCKOUT_PARAMETERS``) and
refuses the pair for ``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures. This module
gives axes the project's login normalisation and client address, renders the locked-out page,
adds the account-wide hourly cap (OWASP ASVS V2.2.1, see ``config/settings.py``) and answers
"is this account locked, and until when": ``login_locks`` lists every lock a person can hit (per
address, account-wide, the code step's pause), which ``services.security`` lifts with one unlock.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .backends import normalize_login
from .models import User
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
    row = attempts.aggregate(last=Max("attempt_time"), failures=Sum("failures_since_start"))
    if row["last"] is None or (row["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    return row["last"] + cool_off


@dataclass(frozen=True)
class LoginLock:
    """One lock that refuses a login right now (R-21), as the owner's staff page and the admin list it.

    ``kind`` is ``ADDRESS`` (django-axes: too many failures from ``ip_address``), ``ACCOUNT`` (the
    hourly cap over all addresses) or ``CODE`` (django-otp's pause between wrong codes);
    ``ends_at`` is timezone-aware; ``failures`` counts the failures that hold the lock.
    """

    ADDRESS = "address"
    ACCOUNT = "account"
    CODE = "code"

    kind: str
    ends_at: datetime
    failures: int
    ip_address: str = ""

    @property
    def description(self):
        """The lock in a sentence of the viewer's language, with when it ends (China Standard Time)."""
        until = date_format(timezone.localtime(self.ends_at), "Y-m-d H:i")
        if self.kind == self.ADDRESS:
            return ngettext(
                "From the network %(address)s: %(count)d failed login in a row; blocked until %(until)s.",
                "From the network %(address)s: %(count)d failed logins in a row; blocked until %(until)s.",
                self.failures,
            ) % {"address": self.ip_address, "count": self.failures, "until": until}
        if self.kind == self.ACCOUNT:
            return gettext(
                "Account-wide: %(count)d failed logins in the last hour from all networks; networks it has "
                "never logged in from are refused until %(until)s."
            ) % {"count": self.failures, "until": until}
        return gettext("Code step: after wrong codes, no code is checked until %(until)s.") % {"until": until}


def address_locks(username, now=None):
    """The client addresses locked out of ``username`` now: a list of ``LoginLock`` (one query).

    Mirrors django-axes' rule: the failures of one (login, address) pair within the cool-off,
    summed over its rows (one per browser), reaching ``AXES_FAILURE_LIMIT``.
    """
    cool_off = get_cool_off()
    now = now or timezone.now()
    rows = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cool_off)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last", "ip_address")
    )
    return [
        LoginLock(kind=LoginLock.ADDRESS, ends_at=row["last"] + cool_off, failures=row["failures"], ip_address=row["ip_address"] or "")
        for row in rows
    ]


def account_lock(username, now=None):
    """The account-wide lock of ``username`` (ASVS V2.2.1) as a ``LoginLock``, or ``None``.

    ``LOGIN_FAILURES_PER_ACCOUNT_HOUR`` failures in the last hour, all addresses together, counted
    from the last unlock (``User.login_unlocked_at``): an owner's or operator's unlock lifts it.
    It ends when the oldest failure that keeps it leaves the hour. One query when the account has
    fewer failures than that, four when it has as many.
    """
    cap = settings.LOGIN_FAILURES_PER_ACCOUNT_HOUR
    if not cap or not username or not settings.AXES_ENABLED:
        return None
    now = now or timezone.now()
    recent = AccessFailureLog.objects.filter(username=username, attempt_time__gte=now - timedelta(hours=1))
    if recent.count() < cap:
        return None
    unlocked_at = User.objects.filter(username=username).values_list("login_unlocked_at", flat=True).first()
    if unlocked_at is not None:
        recent = recent.filter(attempt_time__gt=unlocked_at)
    times = list(recent.order_by("-attempt_time").values_list("attempt_time", flat=True)[:cap])
    if len(times) < cap:
        return None
    return LoginLock(kind=LoginLock.ACCOUNT, ends_at=times[-1] + timedelta(hours=1), failures=recent.count())


def account_cap_retry_at(username, ip_address, now=None):
    """Return when ``username`` may be tried again from ``ip_address`` under the hourly cap, or None.

    At most ``LOGIN_FAILURES_PER_ACCOUNT_HOUR`` failures per account per hour from addresses the
    account has never logged in from (ASVS V2.2.1); addresses with a successful login keep only
    their per-address limit, so an attacker cannot shut the owner out of their usual network.
    """
    lock = account_lock(username, now)
    if lock is None:
        return None
    if ip_address and AccessLog.objects.filter(username=username, ip_address=ip_address).exists():
        return None
    return lock.ends_at


def code_lock(user, now=None):
    """django-otp's pause after wrong codes on ``user``'s devices, as a ``LoginLock``, or ``None``.

    Every wrong code doubles the wait before the next may be checked (1, 2, 4 … seconds, with
    no upper bound), so a long attack can shut the real person out of the code step. Two queries.
    """
    now = now or timezone.now()
    ends_at, failures = None, 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, throttling_failure_count__gt=0):
            allowed, info = device.verify_is_allowed()
            until = (info or {}).get("locked_until")
            if not allowed and until is not None and until > now and (ends_at is None or until > ends_at):
                ends_at, failures = until, device.throttling_failure_count
    if ends_at is None:
        return None
    return LoginLock(kind=LoginLock.CODE, ends_at=ends_at, failures=failures)


def login_locks(user, now=None):
    """Every lock that refuses ``user``'s login now, soonest end first (R-21): a list of ``LoginLock``.

    Per address (django-axes), account-wide (the hourly cap) and the code step's pause; one
    unlock (``services.security``) lifts them all. At most seven queries.
    """
    now = now or timezone.now()
    locks = address_locks(user.username, now)
    for lock in (account_lock(user.username, now), code_lock(user, now)):
        if lock is not None:
            locks.append(lock)
    return sorted(locks, key=lambda lock: lock.ends_at)


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
        {
            "retry_at": retry_at,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            # Who can lift it sooner: a staff account's main account; anyone else's, the operator.
            "staff_login": bool(username) and ":" in username,
        },
        status=429,
    )

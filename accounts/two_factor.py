"""The second login step and code checks (R-21), shared by the login view and the 2FA pages.

After the password step a user with a confirmed TOTP device is *not* logged in: only their id
waits in the session (``PENDING_KEY``) for a code, so no protected page can be reached between
the steps. ``complete_login`` then calls ``auth.login`` and ``django_otp.login`` together.
"""

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

PENDING_KEY = "pending_second_factor"


def begin_login(request, user, *, next_url):
    """Remember that ``user`` passed the password step; the code step finishes the login."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", "accounts.backends.TenantAuthBackend"),
        "next": next_url,
        "started": time.time(),
    }


def pending_login(request):
    """Return ``(user, next_url)`` of a login waiting for its code, or ``(None, "")``.

    A pending step expires after ``SECOND_FACTOR_PENDING_SECONDS``; an account that may no
    longer log in (disabled meanwhile) has none.
    """
    data = request.session.get(PENDING_KEY)
    if not data:
        return None, ""
    if time.time() - data.get("started", 0) > settings.SECOND_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = User.objects.select_related("tenant").filter(pk=data["user_id"]).first()
    if user is None or not user.can_log_in:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user.backend = data["backend"]
    return user, data.get("next") or ""


def complete_login(request, user, device):
    """Log ``user`` in with the session marked as verified by ``device``."""
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend=user.backend)
    otp_login(request, device)


def check_code(user, code):
    """Check a TOTP code or a backup code of ``user``.

    Returns ``(device, retry_at)``: the device that accepted the code (a backup code is used up)
    or ``None``; ``retry_at`` is when django-otp's per-device throttle (1, 2, 4 … seconds after
    successive wrong codes) lets the next code be tried, or ``None``.
    """
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None, None
    candidates = []
    if code.isdigit() and len(code) == 6:
        candidates += list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        candidates += list(StaticDevice.objects.filter(user=user, confirmed=True))
    retry_at = None
    for device in candidates:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            retry_at = (info or {}).get("locked_until")
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, None
    return None, retry_at


def used_code_step(user, code):
    """Return the step length (seconds) of the ``user``'s TOTP device that already accepted ``code``, or None.

    django-otp accepts each 30-second code once (its replay protection: a device remembers the
    last step it accepted, ``last_t``). A code refused for that reason — typically the one that
    just confirmed the enrolment, typed again at the login that follows — is named here so the
    page can say why. This never accepts a code and changes nothing; one query.
    """
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        # Without a lower bound: does the code belong to one of the steps the tolerance allows?
        if totp.verify(int(code), device.tolerance) and totp.t() <= device.last_t:
            return device.step
    return None


def record_failed_code(request, user):
    """Count a wrong code as a failed login for the lockout (django-axes listens to the signal)."""
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)


def seconds_until(moment):
    """Whole seconds from now until ``moment`` (at least 1)."""
    return max(1, int((moment - timezone.now()).total_seconds() + 0.999))


def secret_base32(device):
    """The TOTP secret in base32 in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(url):
    """The QR code of ``url`` as inline SVG markup (no image request, no external service)."""
    return segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff")

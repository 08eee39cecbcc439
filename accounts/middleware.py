import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from qsessions.middleware import SessionMiddleware as QSessionMiddleware

from .forms import frozen_message
from .models import User
from .services.freeze import is_overdue, staff_freeze
from .services.security import has_second_factor, second_factor_required
from utilities.request_context import client_ip, reset_current_ip, set_current_ip

# Namespaces that are no shop's back office: Django's own (the admin; the language switch has no
# namespace) and machine APIs answering bearer tokens. Every other namespace is gated, those of
# apps added later included, so a new page cannot slip past the gates below.
OPEN_NAMESPACES = frozenset({"", "admin", "scim_api"})
# An individual (operation account, R-34) works in the operations pages, which check its bindings.
INDIVIDUAL_NAMESPACES = frozenset({"operations"})


def dingtalk_exempt(view_func):
    """Mark a view as reachable before the main account has filled in its DingTalk info."""
    view_func.dingtalk_exempt = True
    return view_func


class RequestContextMiddleware:
    """Remember the client's IP for the audit log while the request runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_ip(token)


def second_factor_exempt(view_func):
    """Mark a view as reachable before a required second factor is set up (enrolment itself)."""
    view_func.second_factor_exempt = True
    return view_func


# Reachable while a second factor is still owed: leaving, and changing the language.
SECOND_FACTOR_EXEMPT_URL_NAMES = frozenset({"logout", "set_language"})


class FreezeOverdueMiddleware:
    """Freeze an account past its verify-by time at its next request, then send it to log in (R-18).

    The daily run (``freeze_unverified``) and the login attempt freeze too; this closes the gap of a
    session still open when the deadline passes. The check reads the user row already loaded for
    the request, so it costs no query unless the account is overdue. Freezing goes through
    ``staff_freeze`` (audited, every session ended), and the person lands on the login page with
    the frozen message. Runs after the messages middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_overdue(user):
            frozen = staff_freeze(staff=user)
            if frozen is not None or User.objects.filter(pk=user.pk, status=User.Status.FROZEN).exists():
                auth.logout(request)
                messages.error(request, frozen_message(user.tenant))
                return redirect("accounts:login")
        return self.get_response(request)


class SecondFactorGateMiddleware:
    """Send a user who owes a second factor to enrolment (or the code step) first (R-21).

    Staff whose position requires 2FA and who have no confirmed device go to enrolment before
    any other page; platform operators reach the Django admin only with a session verified by a
    device (``ADMIN_REQUIRES_SECOND_FACTOR``). Runs after django-otp's ``OTPMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "second_factor_exempt", False):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in SECOND_FACTOR_EXEMPT_URL_NAMES:
            return None
        in_admin = match is not None and match.app_name == "admin"
        if in_admin and user.is_staff and settings.ADMIN_REQUIRES_SECOND_FACTOR:
            if user.is_verified():
                return None
            if has_second_factor(user):
                return redirect(f"{reverse('accounts:login_verify')}?{urlencode({'next': request.get_full_path()})}")
            messages.info(request, _("Platform operators need two-factor authentication for the admin. Set it up first."))
            return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': request.get_full_path()})}")
        if second_factor_required(user) and not user.is_verified() and not has_second_factor(user):
            messages.info(request, _("Your position requires two-factor authentication. Set it up to continue."))
            return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': request.get_full_path()})}")
        return None


class DingTalkGateMiddleware:
    """Send a main account to the DingTalk-info form until it is filled in (R-2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_owner:
            return None
        match = request.resolver_match
        if match is None or match.namespace in OPEN_NAMESPACES:
            return None
        if getattr(view_func, "dingtalk_exempt", False):
            return None
        if user.tenant.has_dingtalk_info:
            return None
        return redirect(f"{reverse('accounts:dingtalk')}?next={request.get_full_path()}")


# What an individual (a shop's operation account, R-34) may open in the shops' namespaces: its own
# dashboard, inbox and security settings. Every other page there is a shop's back office.
INDIVIDUAL_URL_NAMES = frozenset(
    {
        "accounts:dashboard",
        "accounts:inbox",
        "accounts:inbox_detail",
        "accounts:inbox_read_all",
        "accounts:login",
        "accounts:login_verify",
        "accounts:logout",
        "accounts:signup",
        "accounts:signup_individual",
        "accounts:password_change",
        "accounts:two_factor",
        "accounts:two_factor_setup",
        "accounts:two_factor_backup_codes",
        "accounts:two_factor_disable",
        "accounts:sessions",
        "accounts:sessions_end_others",
        "accounts:session_end",
        "campaigns:enroll",
        # A shop's public buyer chat: anyone may write to a shop as its customer.
        "chat:shop",
        "chat:shop_send",
        "chat:shop_leave",
        "chat:shop_stream",
    }
)


class IndividualGateMiddleware:
    """Answer 404 to an individual on any page of a shop's back office (R-34).

    Existence is not revealed: for an individual the org chart, staff, campaigns, reports, audit
    log and settings of every shop do not exist. One list here, so a page added later to those
    namespaces is closed to individuals unless it is named above.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_individual:
            return None
        match = request.resolver_match
        if match is None or match.namespace in OPEN_NAMESPACES | INDIVIDUAL_NAMESPACES:
            return None
        if match.view_name in INDIVIDUAL_URL_NAMES:
            return None
        raise Http404


class SessionMiddleware(QSessionMiddleware):
    """django-qsessions' middleware, recording the client address our proxies vouch for."""

    def process_request(self, request):
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = self.SessionStore(
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            session_key=session_key,
        )


class SessionTouchMiddleware:
    """Move a session's "last seen" (``updated_at``) forward at most once a minute (R-21).

    The session row is written only when its data changes; storing the minute it was last seen
    makes it change once a minute, so the sessions page is right without a write per request.
    """

    SEEN_KEY = "_last_seen"
    INTERVAL_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    def seen_at_login(cls, sender, request, user, **kwargs):
        """Receiver of ``user_logged_in``: the login itself is the first sighting, saved with it."""
        if request is not None and hasattr(request, "session"):
            request.session[cls.SEEN_KEY] = int(time.time())

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.SEEN_KEY, 0) >= self.INTERVAL_SECONDS:
                session[self.SEEN_KEY] = now
        return self.get_response(request)

"""The request a service call runs under, so that audit entries can record the IP (R-22)."""

import contextvars

_current_ip = contextvars.ContextVar("current_ip", default=None)


def client_ip(request):
    """Return the client's address; behind a proxy trust only the first X-Forwarded-For hop we set."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def set_current_ip(ip):
    return _current_ip.set(ip)


def reset_current_ip(token):
    _current_ip.reset(token)


def current_ip():
    return _current_ip.get()

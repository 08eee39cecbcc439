"""The request a service call runs under, so that audit entries can record the IP (R-22)."""

import contextvars

_current_ip = contextvars.ContextVar("current_ip", default=None)


def client_ip(request):
    """Return the client's address.

    ``X-Forwarded-For`` is written by whoever sends the request, so only the entries our own
    proxies appended count: with ``TRUSTED_PROXY_HOPS = N`` the client is the N-th address from the
    right; with 0 (no proxy, the default) the header is ignored and ``REMOTE_ADDR`` is used.
    """
    from django.conf import settings

    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def set_current_ip(ip):
    return _current_ip.set(ip)


def reset_current_ip(token):
    _current_ip.reset(token)


def current_ip():
    return _current_ip.get()

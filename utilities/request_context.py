"""The request a service call runs under, so that audit entries can record the IP (R-22)."""

import contextvars
import ipaddress

from ipware import get_client_ip

_current_ip = contextvars.ContextVar("current_ip", default=None)


def client_ip(request):
    """Return the client's address as a plain IPv4/IPv6 string, or ``None`` when there is none.

    Parsed by django-ipware, so ``203.0.113.9:4711`` and ``[2001:db8::1]:443`` (some cloud load
    balancers append the port) become bare addresses, and anything unparseable is ``None``: a
    GenericIPAddressField never receives an invalid value. ``X-Forwarded-For`` is written by
    whoever sends the request, so only the entries our own proxies appended count: with
    ``TRUSTED_PROXY_HOPS = N`` the client is the N-th address from the right; with 0 (no proxy,
    the default) the header is ignored and ``REMOTE_ADDR`` is used. A request without the header
    (e.g. a health check straight to the app) falls back to ``REMOTE_ADDR``.
    """
    from django.conf import settings

    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if hops else ""
    # Read once per request (the session, the audit context and the lockout all ask): the
    # answer is kept on the request with the inputs it came from.
    inputs = (hops, forwarded, request.META.get("REMOTE_ADDR"))
    known = getattr(request, "_client_ip", None)
    if known is not None and known[0] == inputs:
        return known[1]
    if hops and forwarded.strip():
        # ipware counts the proxies *after* the client in the header, so our N-th entry from the
        # right is its proxy_count N - 1. Not strict: more entries than hops (a client-written
        # prefix) are expected and ignored.
        ip = _ipware(request, "HTTP_X_FORWARDED_FOR", proxy_count=hops - 1)
    else:
        ip = _ipware(request, "REMOTE_ADDR", proxy_count=None)
    request._client_ip = (inputs, ip)
    return ip


def network_of(ip):
    """The network an address counts in for per-network limits, as a string, or ``None``.

    An IPv4 address counts as its /24 (``"203.0.113.0/24"``), an IPv6 address as its /64
    (``"2001:db8:0:1::/64"``): one household, office or mobile carrier's customer usually holds a
    whole such block, so counting single addresses would let it rotate through them.
    IPv4-mapped IPv6 (``::ffff:203.0.113.9``) counts as the IPv4 address. ``None`` and anything
    that is not an address give ``None``.
    """
    try:
        address = ipaddress.ip_address(str(ip).strip()) if ip else None
    except ValueError:
        return None
    if address is None:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _ipware(request, header, *, proxy_count):
    try:
        ip, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxy_count,
            request_header_order=(header,),
            strict=False,
        )
    except ValueError:
        return None
    return ip


def set_current_ip(ip):
    return _current_ip.set(ip)


def reset_current_ip(token):
    _current_ip.reset(token)


def current_ip():
    return _current_ip.get()

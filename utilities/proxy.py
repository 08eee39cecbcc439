"""Noticing a reverse proxy the settings do not know about (``TRUSTED_PROXY_HOPS = 0``).

Behind nginx or a load balancer with the default of 0 hops, every request's socket address is the
proxy's, so every visitor shares one address: ten wrong passwords from anyone lock the account
out for everyone (R-21), and the audit log and the sessions page show the proxy's address. And
``X-Forwarded-Proto`` is trusted only with hops set, so ``SECURE_SSL_REDIRECT`` answers every
request from a TLS-terminating proxy with a redirect to https.

A system check cannot see requests, and the web process never runs checks, so the two halves
meet in the shared cache:

- ``UnconfiguredProxyMiddleware`` (first in ``MIDDLEWARE``) looks at requests until it has seen
  one arrive with ``X-Forwarded-For`` or ``X-Forwarded-Proto`` from a loopback or private socket
  address (a proxy on the same host or network) while hops are 0. It then logs one warning per worker
  process and notes the sighting in the cache (``noted_sighting``).
- ``check_proxy_hops``, a deploy check (``manage.py check --deploy``), turns that note into a
  warning as long as hops are still 0. Without a sighting it says nothing, so a server that
  really faces the internet directly checks clean.

A client talking to the app directly may write those headers itself; its socket address is then
a public one, which is not taken as a sign of a proxy.
"""

import ipaddress
import logging

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

SIGHTING_KEY = "proxy:forwarded-while-hops-0"
SIGHTING_TTL_SECONDS = 7 * 24 * 3600
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")
CHECK_ID = "staffdesk.W001"
# Where a proxy of one's own talks from: the same host, a private network (RFC 1918, RFC 4193),
# carrier-grade NAT space that cloud load balancers use (RFC 6598), link-local.
PROXY_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def from_unconfigured_proxy(request):
    """Whether ``request`` looks relayed by a proxy that ``TRUSTED_PROXY_HOPS`` does not count.

    True when hops are 0, the request carries ``X-Forwarded-For`` or ``X-Forwarded-Proto``, and
    its socket address (``REMOTE_ADDR``, possibly with a port) is where a proxy of one's own talks
    from (``PROXY_NETWORKS``): loopback, a private or shared range, link-local. False otherwise,
    garbage addresses included.
    """
    if getattr(settings, "TRUSTED_PROXY_HOPS", 0):
        return False
    if not any(request.META.get(name) for name in FORWARDED_HEADERS):
        return False
    address = _bare_address(request.META.get("REMOTE_ADDR", ""))
    if address is None:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in PROXY_NETWORKS if network.version == address.version)


def _bare_address(value):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 10.0.0.1:5555
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def noted_sighting():
    """The last sighting the middleware noted: ``{"at": ISO time, "proxy": address}``, or None."""
    return cache.get(SIGHTING_KEY)


class UnconfiguredProxyMiddleware:
    """Warn once per process when requests come through a proxy while ``TRUSTED_PROXY_HOPS`` is 0.

    Costs a dictionary lookup per request until the first sighting, and nothing after it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.warned = False

    def __call__(self, request):
        if not self.warned and from_unconfigured_proxy(request):
            self.warned = True
            proxy = request.META.get("REMOTE_ADDR", "")
            logger.warning(
                "Requests arrive through a reverse proxy (%r sent X-Forwarded-For/X-Forwarded-Proto) but "
                "TRUSTED_PROXY_HOPS is 0: every visitor gets the proxy's address, so failed logins of one "
                "lock the account out for all, and X-Forwarded-Proto is not trusted (https redirects loop). "
                "Set TRUSTED_PROXY_HOPS to the number of proxies in front of the app (1 for one nginx).",
                proxy,
            )
            cache.set(
                SIGHTING_KEY, {"at": timezone.now().isoformat(timespec="seconds"), "proxy": proxy}, SIGHTING_TTL_SECONDS
            )
        return self.get_response(request)


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_hops(app_configs=None, **kwargs):
    """Deploy check: a warning while hops are 0 and the web process has seen a proxy (see module)."""
    if getattr(settings, "TRUSTED_PROXY_HOPS", 0):
        return []
    sighting = noted_sighting()
    if not sighting:
        return []
    return [
        checks.Warning(
            f"Requests arrived through a reverse proxy at {sighting.get('proxy')} (last noted {sighting.get('at')}) "
            "while TRUSTED_PROXY_HOPS is 0: every visitor shares the proxy's address, so ten wrong passwords "
            "from anyone lock an account out for everyone, the audit log and sessions show only the proxy, "
            "and X-Forwarded-Proto is not trusted.",
            hint="Set TRUSTED_PROXY_HOPS to the number of proxies that append to X-Forwarded-For "
            "(1 for a single nginx or load balancer), and have the proxy set X-Forwarded-Proto.",
            id=CHECK_ID,
        )
    ]

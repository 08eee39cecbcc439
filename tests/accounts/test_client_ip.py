"""Client addresses through django-ipware (R-22, R-21): proxies' ``ip:port`` entries are parsed,
garbage becomes None and never reaches a GenericIPAddressField or a 500."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from qsessions.models import Session

from accounts.models import AuditEntry
from utilities.request_context import client_ip
from tests.factories import PASSWORD


def request_with(xff=None, remote="10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "hops, xff, remote, expected",
    [
        (0, "198.51.100.7", "10.0.0.1", "10.0.0.1"),  # no proxy: the header is the client's own words
        (0, None, "127.0.0.1:5555", "127.0.0.1"),
        (0, None, "garbage", None),
        (0, None, "", None),
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "203.0.113.9:4711", "10.0.0.1", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "10.0.0.1", "2001:db8::1"),
        (1, "2001:db8::5", "10.0.0.1", "2001:db8::5"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # a spoofed prefix is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
        (1, "garbage", "10.0.0.1", None),
        (1, "not an address, at all", "10.0.0.1", None),
        (1, None, "10.0.0.1", "10.0.0.1"),  # straight to the app (health check)
    ],
)
def test_client_ip(settings, hops, xff, remote, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_ip(request_with(xff, remote)) == expected


@pytest.mark.parametrize(
    "xff, stored",
    [("203.0.113.9:4711", "203.0.113.9"), ("[2001:db8::1]:443", "2001:db8::1"), ("%%%garbage%%%", None)],
)
def test_login_and_audit_store_the_parsed_address(client, owner, settings, xff, stored):
    settings.TRUSTED_PROXY_HOPS = 1
    response = client.post(
        reverse("accounts:login"), {"username": "acme_owner", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=xff
    )
    assert response.status_code == 302
    assert Session.objects.get(user=owner).ip == stored

    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-horse-43", "new_password2": "Another-horse-43"},
        HTTP_X_FORWARDED_FOR=xff,
    )
    assert page.status_code == 302
    assert AuditEntry.objects.get(action="user.password_change").ip_address == stored


def test_lockout_counts_the_parsed_address(client, plain_staff, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_HOPS = 1
    for i in range(10):
        client.post(
            reverse("accounts:login"),
            {"username": "acme:plain_staff", "password": f"wrong-{i}"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.9:{4000 + i}",  # a new source port every time
        )
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = client.post(
        reverse("accounts:login"), {"username": "acme:plain_staff", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert locked.status_code == 429

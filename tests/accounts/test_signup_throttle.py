"""Sign-up is limited per network (R-1, R-33): an IPv4 /24 or IPv6 /64 makes at most
``SIGNUP_RATE_LIMIT`` accounts, shops and individuals together, per window."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services.tenants import sign_up_retry_at
from utilities.request_context import network_of

pytestmark = pytest.mark.django_db

PASSWORD = "Str0ng-pass-phrase"
REFUSED = "Too many accounts have been created from your network in a short time"


def sign_up_individual(n, address, **headers):
    """What the browser posts on the individual sign-up page, from a fresh visitor."""
    return Client().post(
        reverse("accounts:signup_individual"),
        {
            "username": f"person{n}",
            "display_name": f"Person {n}",
            "email": f"person{n}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        REMOTE_ADDR=address,
        **headers,
    )


def sign_up_shop(n, address):
    return Client().post(
        reverse("accounts:signup"),
        {
            "tenant_name": f"Shop {n}",
            "slug": f"shop{n}",
            "kind": "shop",
            "username": f"boss{n}",
            "email": f"boss{n}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        REMOTE_ADDR=address,
    )


def form_errors(response):
    return " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize(
    "ip, network",
    [
        ("203.0.113.9", "203.0.113.0/24"),
        ("203.0.113.250", "203.0.113.0/24"),
        ("2001:db8:0:1::1", "2001:db8:0:1::/64"),
        ("2001:db8:0:1:ffff:ffff:ffff:ffff", "2001:db8:0:1::/64"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_network_of(ip, network):
    assert network_of(ip) == network


def test_individual_sign_ups_stop_at_the_limit_for_the_whole_network(settings):
    settings.SIGNUP_RATE_LIMIT = 3
    for n, address in enumerate(["203.0.113.1", "203.0.113.2", "203.0.113.3"]):
        assert sign_up_individual(n, address).status_code == 302

    refused = sign_up_individual(9, "203.0.113.200")  # another address of the same /24

    assert refused.status_code == 200
    assert REFUSED in form_errors(refused)
    assert "Please try again after" in form_errors(refused)
    assert not User.objects.filter(username="person9").exists()
    assert sign_up_individual(10, "198.51.100.1").status_code == 302  # another network is not held back


def test_shop_and_individual_sign_ups_count_together(settings):
    settings.SIGNUP_RATE_LIMIT = 2
    assert sign_up_individual(1, "203.0.113.1").status_code == 302
    assert sign_up_shop(2, "203.0.113.2").status_code == 302

    refused = sign_up_shop(3, "203.0.113.3")

    assert refused.status_code == 200
    assert REFUSED in form_errors(refused)
    assert not Tenant.objects.filter(slug="shop3").exists()
    assert not User.objects.filter(username="boss3").exists()


def test_an_ipv6_network_is_its_64(settings):
    settings.SIGNUP_RATE_LIMIT = 1
    assert sign_up_individual(1, "2001:db8:0:1::1").status_code == 302

    assert REFUSED in form_errors(sign_up_individual(2, "2001:db8:0:1:abcd::2"))
    assert sign_up_individual(3, "2001:db8:0:2::1").status_code == 302


def test_behind_a_proxy_the_client_network_counts(settings):
    settings.SIGNUP_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_HOPS = 1
    assert sign_up_individual(1, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 302

    assert sign_up_individual(2, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    assert REFUSED in form_errors(sign_up_individual(3, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"))


def test_the_limit_lifts_when_the_window_has_passed(settings):
    settings.SIGNUP_RATE_LIMIT = 2
    settings.SIGNUP_RATE_WINDOW_SECONDS = 600
    sign_up_individual(1, "203.0.113.1")
    sign_up_individual(2, "203.0.113.2")
    now = timezone.now()

    retry_at = sign_up_retry_at("203.0.113.3", now=now)

    assert retry_at is not None and now < retry_at <= now + datetime.timedelta(seconds=600)
    assert sign_up_retry_at("203.0.113.3", now=retry_at + datetime.timedelta(seconds=1)) is None
    assert sign_up_retry_at("198.51.100.1", now=now) is None


def test_a_limit_of_zero_turns_it_off(settings):
    settings.SIGNUP_RATE_LIMIT = 0
    for n in range(4):
        assert sign_up_individual(n, "203.0.113.1").status_code == 302


def test_the_default_limit_stops_a_burst_of_twenty_five(settings):
    """The reported abuse: 25 individual accounts from one address within a minute."""
    made = [sign_up_individual(n, "203.0.113.1").status_code for n in range(25)]

    assert made.count(302) == settings.SIGNUP_RATE_LIMIT == 10
    assert User.objects.filter(kind=User.Kind.INDIVIDUAL).count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_from_one_network_gets_no_more_than_the_limit(settings):
    """Each sign-up counts the network's recent ones under a per-network lock: parallel requests
    cannot all see the count below the limit at once."""
    from django.core.exceptions import ValidationError

    from accounts.services.tenants import individual_sign_up
    from tests.orgchart.test_concurrency import run_together
    from utilities.request_context import reset_current_ip, set_current_ip

    settings.SIGNUP_RATE_LIMIT = 2
    refused = []

    def job(n):
        def sign_up():
            address = f"203.0.113.{n + 1}"
            token = set_current_ip(address)  # what RequestContextMiddleware does for a request
            try:
                individual_sign_up(username=f"burst{n}", email=f"burst{n}@example.com", password=PASSWORD, ip=address)
            except ValidationError:
                refused.append(n)
            finally:
                reset_current_ip(token)

        return sign_up

    crashes = run_together([job(n) for n in range(6)])

    assert not crashes
    assert User.objects.filter(username__startswith="burst").count() == 2
    assert len(refused) == 4

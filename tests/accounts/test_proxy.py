"""Behind a reverse proxy (R-21, R-22): the client's address, and a warning when hops are not set."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from utilities import proxy
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # nginx on the private network: every request's socket address
ATTACKER = "203.0.113.9"
OWNER_HOME = "198.51.100.20"


def login(client, username, password, client_address):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
        HTTP_X_FORWARDED_PROTO="https",
    )


def lock_out_from(client, client_address, username="acme_owner"):
    for i in range(10):
        login(client, username, f"wrong-{i}", client_address)


def test_with_one_hop_the_client_address_comes_from_the_header(client, owner, settings):
    """An attacker's ten wrong passwords lock out the attacker's address, not the owner's."""
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_HOPS = 1

    lock_out_from(Client(), ATTACKER)

    assert login(Client(), "acme_owner", PASSWORD, ATTACKER).status_code == 429
    assert login(client, "acme_owner", PASSWORD, OWNER_HOME).status_code == 302
    from qsessions.models import Session

    assert Session.objects.get(user=owner).ip == OWNER_HOME


def test_with_hops_left_at_zero_behind_a_proxy_everyone_shares_one_lockout(client, owner, settings):
    """Why the setting matters (and the warning below exists): all visitors are the proxy."""
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_HOPS = 0

    lock_out_from(Client(), ATTACKER)

    assert login(client, "acme_owner", PASSWORD, OWNER_HOME).status_code == 429


def test_the_first_request_through_an_unknown_proxy_logs_a_warning_and_the_deploy_check_reports_it(settings, caplog):
    settings.TRUSTED_PROXY_HOPS = 0
    assert proxy.check_proxy_hops() == []
    client = Client()

    with caplog.at_level(logging.WARNING, logger="utilities.proxy"):
        client.get(reverse("accounts:login"), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
        client.get(reverse("accounts:login"), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OWNER_HOME)

    warnings = [r for r in caplog.records if r.name == "utilities.proxy"]
    assert len(warnings) == 1  # once per process, not per request
    assert "TRUSTED_PROXY_HOPS is 0" in warnings[0].getMessage()
    assert "'127.0.0.1'" in warnings[0].getMessage()
    [warning] = proxy.check_proxy_hops()
    assert warning.id == "staffdesk.W001"
    assert "127.0.0.1" in warning.msg
    assert "TRUSTED_PROXY_HOPS" in warning.hint

    settings.TRUSTED_PROXY_HOPS = 1
    assert proxy.check_proxy_hops() == []  # set: the sighting no longer matters


def test_the_deploy_check_runs_with_check_deploy(settings):
    from django.core import checks

    settings.TRUSTED_PROXY_HOPS = 0
    Client().get(reverse("accounts:login"), REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_PROTO="https")

    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])

    assert "staffdesk.W001" in {message.id for message in found}


@pytest.mark.parametrize(
    "hops, remote, headers",
    [
        (0, ATTACKER, {"HTTP_X_FORWARDED_FOR": "6.6.6.6"}),  # a client on the internet wrote it itself
        (0, "127.0.0.1", {}),  # nothing forwarded: no proxy, or a health check
        (1, "127.0.0.1", {"HTTP_X_FORWARDED_FOR": ATTACKER}),  # configured
        (0, "garbage", {"HTTP_X_FORWARDED_FOR": ATTACKER}),
    ],
)
def test_no_warning_without_a_sign_of_an_unknown_proxy(settings, caplog, hops, remote, headers):
    settings.TRUSTED_PROXY_HOPS = hops

    with caplog.at_level(logging.WARNING, logger="utilities.proxy"):
        Client().get(reverse("accounts:login"), REMOTE_ADDR=remote, **headers)

    assert [r for r in caplog.records if r.name == "utilities.proxy"] == []
    settings.TRUSTED_PROXY_HOPS = 0
    assert proxy.check_proxy_hops() == []

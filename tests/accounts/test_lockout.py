"""Lockout after repeated failed logins (R-21): django-axes by (login, address), the hourly
account cap (ASVS V2.2.1), the locked-out page, the owner's unlock and the operator's."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from tests.factories import PASSWORD

ATTACKER = "198.51.100.66"
REAL_PERSON = "203.0.113.10"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def attempt(client, username, password, ip):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def is_logged_in(client):
    return client.get(reverse("accounts:dashboard")).status_code == 200


def test_thirty_wrong_passwords_block_the_staff_account_from_that_address(client, plain_staff):
    responses = [attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER) for i in range(30)]

    assert [r.status_code for r in responses[:9]] == [200] * 9
    assert "Wrong user name or password" in responses[0].content.decode()
    # The 10th failure locks the pair; every later try gets the lockout page, not a password check.
    assert all(r.status_code == 429 for r in responses[9:])
    assert "Login blocked for now" in responses[-1].content.decode()
    # Even the right password is refused from there.
    assert attempt(client, "acme:plain_staff", PASSWORD, ATTACKER).status_code == 429
    assert not is_logged_in(client)
    # Only real password checks were counted: the lock did not keep growing.
    assert sum(AccessAttempt.objects.filter(username="acme:plain_staff").values_list("failures_since_start", flat=True)) == 10


def test_the_real_person_at_another_address_still_logs_in(client, plain_staff):
    for i in range(12):
        attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)

    response = attempt(client, "acme:plain_staff", PASSWORD, REAL_PERSON)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_spellings_of_one_login_count_together(client, plain_staff):
    for i in range(10):
        attempt(client, "ACME : Plain_Staff" if i % 2 else "acme:plain_staff", f"wrong-{i}", ATTACKER)

    assert attempt(client, "acme:plain_staff", PASSWORD, ATTACKER).status_code == 429


def test_the_lockout_page_says_when_to_retry(client, plain_staff):
    for i in range(10):
        response = attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)

    last = AccessAttempt.objects.get(username="acme:plain_staff", ip_address=ATTACKER).attempt_time
    retry_at = timezone.localtime(last + timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M")
    assert response.status_code == 429
    assert f"Try again after {retry_at}" in response.content.decode()


def test_lockout_page_in_chinese(client, plain_staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for i in range(10):
        response = attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)

    assert response.status_code == 429
    assert '<html lang="zh-hans">' in response.content.decode()


def test_cool_off_expires(client, plain_staff):
    for i in range(10):
        attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)
    assert attempt(client, "acme:plain_staff", PASSWORD, ATTACKER).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert attempt(client, "acme:plain_staff", PASSWORD, ATTACKER).status_code == 302
    assert is_logged_in(client)


def test_main_account_is_locked_by_user_and_address_too(client, owner):
    for i in range(10):
        attempt(client, "acme_owner", f"wrong-{i}", ATTACKER)

    assert attempt(client, "acme_owner", PASSWORD, ATTACKER).status_code == 429
    assert attempt(client, "acme_owner", PASSWORD, REAL_PERSON).status_code == 302


def test_hourly_cap_per_account_stops_new_addresses_but_not_known_ones(client, plain_staff):
    now = timezone.now()
    AccessLog.objects.create(username="acme:plain_staff", ip_address=REAL_PERSON, attempt_time=now - timedelta(days=3))
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(
            username="acme:plain_staff", ip_address=f"198.51.100.{i % 50}", attempt_time=now - timedelta(minutes=30)
        )
        for i in range(100)
    )

    refused = attempt(client, "acme:plain_staff", PASSWORD, "192.0.2.77")
    assert refused.status_code == 200
    assert "Too many failed logins for this account in the last hour" in refused.content.decode()
    assert not is_logged_in(client)
    # No password was checked, so nothing more was counted.
    assert AccessFailureLog.objects.filter(username="acme:plain_staff").count() == 100

    assert attempt(client, "acme:plain_staff", PASSWORD, REAL_PERSON).status_code == 302


def test_hourly_cap_lifts_after_the_hour(client, plain_staff):
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username="acme:plain_staff", ip_address="198.51.100.1") for _ in range(100)
    )
    assert attempt(client, "acme:plain_staff", PASSWORD, "192.0.2.77").status_code == 200
    AccessFailureLog.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    assert attempt(client, "acme:plain_staff", PASSWORD, "192.0.2.77").status_code == 302


def test_owner_sees_the_lock_and_unlocks(client, owner, plain_staff):
    for i in range(10):
        attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)
    client.force_login(owner)

    detail = client.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()
    assert "Login is blocked from 1 network" in detail

    response = client.post(reverse("staff:action", args=[plain_staff.pk, "unlock"]), follow=True)
    assert "Login is unlocked" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="acme:plain_staff").exists()
    entry = AuditEntry.objects.get(action="staff.unlock")
    assert entry.actor == owner and entry.target_id == str(plain_staff.pk) and entry.tenant == owner.tenant
    assert "Login is blocked" not in client.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()

    client.logout()
    assert attempt(client, "acme:plain_staff", PASSWORD, ATTACKER).status_code == 302


def test_unlock_needs_the_staffs_own_main_account(client, plain_staff, other_owner, east_admin):
    url = reverse("staff:action", args=[plain_staff.pk, "unlock"])
    assert client.post(url).status_code == 302 and "/login/" in client.post(url)["Location"]
    client.force_login(east_admin)
    assert client.post(url).status_code == 403
    client.force_login(other_owner)
    assert client.post(url).status_code == 404
    assert not AuditEntry.objects.filter(action="staff.unlock").exists()


def test_wrong_codes_count_as_failures(client, owner):
    from tests.accounts.test_two_factor import enrol

    enrol(owner)
    for i in range(10):
        response = attempt(client, "acme_owner", PASSWORD, ATTACKER)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:login_verify")
        response = client.post(reverse("accounts:login_verify"), {"code": "000000"}, REMOTE_ADDR=ATTACKER)

    assert response.status_code == 429
    assert "Login blocked for now" in response.content.decode()
    assert attempt(client, "acme_owner", PASSWORD, ATTACKER).status_code == 429


def test_operator_unlocks_in_the_admin_and_it_is_audited(client, operator, plain_staff):
    for i in range(10):
        attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)
    client.force_login(operator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "acme:plain_staff" in client.get(changelist).content.decode()

    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = client.post(changelist, {"action": "unlock_selected", "_selected_action": ids}, follow=True)

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor == operator and entry.target_id == str(plain_staff.pk) and entry.tenant == plain_staff.tenant


def test_operator_admin_delete_goes_through_the_service(client, operator, plain_staff):
    for i in range(10):
        attempt(client, "acme:plain_staff", f"wrong-{i}", ATTACKER)
    row = AccessAttempt.objects.get()
    client.force_login(operator)

    client.post(reverse("admin:axes_accessattempt_delete", args=[row.pk]), {"post": "yes"})

    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action="login.unlock", actor=operator).count() == 1
    # The failure history itself cannot be deleted from the admin.
    log_row = AccessFailureLog.objects.first()
    assert client.post(reverse("admin:axes_accessfailurelog_delete", args=[log_row.pk]), {"post": "yes"}).status_code == 403


def test_issue_input_thirty_wrong_passwords_for_demo_wangwu(client, db):
    """The failing input from issue 11, on the demo data as seeded."""
    import os

    from django.core.management import call_command

    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    statuses = [attempt(client, "demo:wangwu", f"guess-{i}", ATTACKER).status_code for i in range(30)]

    assert statuses.count(429) == 21
    assert attempt(client, "demo:wangwu", DEMO_PASSWORD, ATTACKER).status_code == 429
    assert attempt(client, "demo:wangwu", DEMO_PASSWORD, REAL_PERSON).status_code == 302


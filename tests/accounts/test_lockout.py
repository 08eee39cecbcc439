"""Lockout after repeated failed logins (R-21): django-axes by (login, address), the hourly
account cap (ASVS V2.2.1), the locked-out page, the owner's unlock and the operator's."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
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
    last = AccessAttempt.objects.get(username="acme:plain_staff").attempt_time
    until = timezone.localtime(last + timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M")
    assert f"From the network {ATTACKER}: 10 failed logins in a row; blocked until {until}." in detail

    response = client.post(reverse("staff:action", args=[plain_staff.pk, "unlock"]), follow=True)
    assert "Login is unlocked" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="acme:plain_staff").exists()
    entry = AuditEntry.objects.get(action="staff.unlock")
    assert entry.actor == owner and entry.target_id == str(plain_staff.pk) and entry.tenant == owner.tenant
    assert entry.after["locks"] == [{"kind": "address", "ip": ATTACKER, "until": entry.after["locks"][0]["until"]}]
    assert 'data-testid="staff-locked"' not in client.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()

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



# --- every lock seen and lifted (issue 23) ------------------------------------------------------


def hundred_failures_from_hundred_addresses(client, username):
    """What a distributed attack leaves: one wrong password from each of 100 addresses, through the form."""
    for i in range(100):
        response = attempt(client, username, f"guess-{i}", f"203.0.113.{100 + i}")
        assert response.status_code == 200  # each address stays far below its own limit


def test_issue_input_hundred_failures_for_demo_wangwu_from_hundred_addresses_lifted_by_one_unlock(client, db):
    """The failing input of issue 23: the account-wide lock held, and the owner's unlock did not lift it."""
    import os

    from django.core.management import call_command
    from django.test import Client

    from accounts.management.commands.seed_demo import DEMO_OWNER, DEMO_PASSWORD

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    wangwu = User.objects.get(username="demo:wangwu")
    hundred_failures_from_hundred_addresses(client, "demo:wangwu")

    refused = attempt(client, "demo:wangwu", DEMO_PASSWORD, "192.0.2.200")
    assert refused.status_code == 200 and not is_logged_in(client)
    assert "Too many failed logins for this account in the last hour" in refused.content.decode()
    assert "ask your main account to unlock you" in refused.content.decode()

    owner = Client()
    owner.force_login(User.objects.get(username=DEMO_OWNER))
    detail = owner.get(reverse("staff:detail", args=[wangwu.pk])).content.decode()
    assert 'data-testid="login-lock-account"' in detail
    assert "Account-wide: 100 failed logins in the last hour" in detail

    response = owner.post(reverse("staff:action", args=[wangwu.pk, "unlock"]), follow=True)
    assert "Login is unlocked" in response.content.decode()
    assert 'data-testid="staff-locked"' not in response.content.decode()
    entry = AuditEntry.objects.get(action="staff.unlock")
    assert [lock["kind"] for lock in entry.after["locks"]] == ["account"]
    # The record of the attack stays; it only no longer counts.
    assert AccessFailureLog.objects.filter(username="demo:wangwu").count() == 100

    assert attempt(client, "demo:wangwu", DEMO_PASSWORD, "192.0.2.200").status_code == 302
    assert is_logged_in(client)


def test_the_account_wide_lock_holds_again_after_another_hundred_failures(client, owner, plain_staff):
    hundred_failures_from_hundred_addresses(client, "acme:plain_staff")
    from accounts.services.security import staff_unlock

    staff_unlock(actor=owner, staff=plain_staff)
    assert "Too many failed logins" not in attempt(client, "acme:plain_staff", "wrong", "192.0.2.1").content.decode()
    hundred_failures_from_hundred_addresses(client, "acme:plain_staff")

    refused = attempt(client, "acme:plain_staff", PASSWORD, "192.0.2.200")
    assert "Too many failed logins for this account in the last hour" in refused.content.decode()


def test_the_code_steps_pause_is_shown_and_lifted_by_the_same_unlock(client, owner, plain_staff):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.test_two_factor import enrol

    enrol(plain_staff)
    # Twelve wrong codes over the last hours: django-otp now waits 2048 s before it checks another.
    TOTPDevice.objects.filter(user=plain_staff).update(
        throttling_failure_count=12, throttling_failure_timestamp=timezone.now()
    )
    client.force_login(owner)
    detail = client.get(reverse("staff:detail", args=[plain_staff.pk])).content.decode()
    assert 'data-testid="login-lock-code"' in detail and "Code step: after wrong codes" in detail

    client.post(reverse("staff:action", args=[plain_staff.pk, "unlock"]))

    device = TOTPDevice.objects.get(user=plain_staff)
    assert device.throttling_failure_count == 0 and device.verify_is_allowed() == (True, None)
    assert [lock["kind"] for lock in AuditEntry.objects.get(action="staff.unlock").after["locks"]] == ["code"]


def test_a_main_account_lock_is_shown_in_the_admin_and_lifted_by_the_operator(client, owner, operator):
    for i in range(10):
        attempt(client, "acme_owner", f"wrong-{i}", ATTACKER)
    # 90 more from elsewhere reach the hourly cap; the last ten are refused unchecked.
    hundred_failures_from_hundred_addresses(client, "acme_owner")
    assert "ask the platform operator" in attempt(client, "acme_owner", PASSWORD, "192.0.2.9").content.decode()

    client.force_login(operator)
    change = client.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    assert "Account-wide: 100 failed logins in the last hour" in change
    assert f"From the network {ATTACKER}: 10 failed logins in a row" in change
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    last = AccessAttempt.objects.get(username="acme_owner", ip_address=ATTACKER).attempt_time
    assert timezone.localtime(last + timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M") in attempts

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [owner.pk]},
        follow=True,
    )
    assert "Login locks lifted for 1 users." in response.content.decode()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor == operator and entry.tenant == owner.tenant
    assert sorted(lock["kind"] for lock in entry.after["locks"]) == ["account", "address"]
    assert "None: this account can log in." in client.get(
        reverse("admin:accounts_user_change", args=[owner.pk])
    ).content.decode()

    client.logout()
    assert attempt(client, "acme_owner", PASSWORD, ATTACKER).status_code == 302


def test_the_operators_unlock_of_attempt_records_lifts_the_account_wide_lock_too(client, operator, plain_staff):
    hundred_failures_from_hundred_addresses(client, "acme:plain_staff")
    client.force_login(operator)
    ids = list(AccessAttempt.objects.values_list("pk", flat=True)[:1])

    client.post(reverse("admin:axes_accessattempt_changelist"), {"action": "unlock_selected", "_selected_action": ids})

    assert not AccessAttempt.objects.filter(username="acme:plain_staff").exists()
    assert AuditEntry.objects.filter(action="login.unlock").count() == 1
    client.logout()
    assert attempt(client, "acme:plain_staff", PASSWORD, "192.0.2.200").status_code == 302


def test_only_an_operator_unlocks_through_the_admin_service(owner, plain_staff):
    from django.core.exceptions import PermissionDenied

    from accounts.services.security import login_unlock

    with pytest.raises(PermissionDenied):
        login_unlock(actor=owner, user=plain_staff)
    with pytest.raises(PermissionDenied):
        login_unlock(actor=plain_staff, user=owner)
    assert not AuditEntry.objects.filter(action="login.unlock").exists()


@pytest.mark.parametrize(
    "login, advice",
    [
        ("acme:plain_staff", "ask your main account to unlock you sooner"),
        ("acme_owner", "ask the platform operator to unlock the account"),
    ],
)
def test_the_locked_out_page_tells_staff_and_main_accounts_what_to_do(client, owner, plain_staff, login, advice):
    for i in range(10):
        response = attempt(client, login, f"wrong-{i}", ATTACKER)

    assert response.status_code == 429
    assert advice in response.content.decode()

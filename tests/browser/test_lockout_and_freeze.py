"""Acceptance of issue 23's account safety in Chromium (R-18, R-21): the account-wide login lock is
shown on the owner's staff page and lifted by one unlock; an open session is frozen at its next
request once the verification deadline has passed."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from qsessions.models import Session

from accounts.models import AuditEntry, User
from tests.factories import PASSWORD

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_account_wide_lock_is_shown_on_the_staff_page_then_lifted_by_the_owner(
    page, live_server, owner, plain_staff, browser_as, settings
):
    settings.AXES_ENABLED = True
    url = live_server.url
    # A distributed attack: one wrong password from each of 100 addresses, through the login form.
    attacker = Client()
    for i in range(100):
        attacker.post(
            reverse("accounts:login"),
            {"username": plain_staff.username, "password": f"guess-{i}"},
            REMOTE_ADDR=f"203.0.113.{100 + i}",
        )

    # The real person, from a network it never logged in from (the browser's): refused.
    staff = browser_as()
    sign_in(staff, url, plain_staff.username, PASSWORD)
    refusal = staff.locator(".form-errors")
    expect(refusal).to_contain_text("Too many failed logins for this account in the last hour")
    expect(refusal).to_contain_text("ask your main account to unlock you")

    sign_in(page, url, owner.username)
    page.goto(f"{url}/staff/{plain_staff.pk}/")
    lock = page.get_by_test_id("login-lock-account")
    expect(lock).to_contain_text("Account-wide: 100 failed logins in the last hour")
    expect(lock).to_contain_text(re.compile(r"refused until \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    page.get_by_role("button", name="Unlock login").click()
    expect(page.locator(".message.success")).to_have_text("Login is unlocked; the staff member can log in again.")
    expect(page.get_by_test_id("staff-locked")).to_have_count(0)
    assert AuditEntry.objects.filter(action="staff.unlock", actor=owner).count() == 1

    sign_in(staff, url, plain_staff.username, PASSWORD)
    expect(staff.get_by_test_id("current-user")).to_be_visible()


def test_an_open_session_is_frozen_at_its_next_request_after_the_deadline(page, live_server, owner, west_staff, browser_as):
    url = live_server.url
    staff = browser_as(west_staff.username)
    expect(staff.get_by_test_id("mute-banner")).to_be_visible()

    # The deadline passes while the session is open; no scheduled run comes in between.
    bound = timezone.now() - datetime.timedelta(days=7, seconds=1)
    User.objects.filter(pk=west_staff.pk).update(bound_at=bound, verify_deadline=bound + datetime.timedelta(days=7))
    staff.goto(f"{url}/inbox/")

    expect(staff).to_have_url(f"{url}/login/")
    expect(staff.locator(".message.error")).to_contain_text("This account is frozen")
    expect(staff.locator(".message.error")).to_contain_text("Acme Shop")
    expect(staff.get_by_test_id("mute-banner")).to_have_count(0)
    assert User.objects.get(pk=west_staff.pk).status == User.Status.FROZEN
    assert AuditEntry.objects.filter(action="staff.freeze", actor=None).count() == 1
    assert not Session.objects.filter(user=west_staff).exists()
    staff.goto(f"{url}/inbox/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Log in")

    sign_in(page, url, owner.username)
    page.goto(f"{url}/staff/{west_staff.pk}/")
    expect(page.get_by_test_id("staff-status")).to_have_text("Frozen")
    expect(page.get_by_test_id("freeze-reason")).to_contain_text("not completed within 7 days of binding")

"""Second factor in the browser (R-21, R-12): TOTP enrolment and login with a code; a position
that requires 2FA sends its holder to enrolment before any other page."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .helpers import sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def current_code(user, steps_ahead=0):
    """What the person's authenticator app shows (a code is accepted once, so logins use the next)."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def enrol_in_browser(page, user):
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    page.get_by_label("6-digit code").fill(current_code(user))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them — continue").click()


def test_totp_enrolment_and_login_with_a_code(page, live_server, owner):
    url = live_server.url
    sign_in(page, url, owner.username)
    sidebar_links(page).get_by_text("Two-factor authentication", exact=True).click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("Off.")
    page.get_by_role("link", name="Set up two-factor authentication").click()

    page.get_by_label("6-digit code").fill("000000")
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.locator('.error[data-field="token"]')).to_have_text(
        "That code is not valid. Enter the 6-digit code your app shows now."
    )
    enrol_in_browser(page, owner)
    expect(page.get_by_test_id("dashboard-welcome")).to_be_visible()

    # Next login: the password alone is not enough.
    page.get_by_role("button", name="Log out").click()
    sign_in(page, url, owner.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.goto(f"{url}/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    sign_in(page, url, owner.username)
    page.get_by_label("Code from your app or a backup code").fill(current_code(owner, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(page.get_by_test_id("dashboard-welcome")).to_be_visible()


def test_required_two_factor_for_a_position_forces_enrolment(page, live_server, owner, plain_staff, browser_as):
    url = live_server.url
    sign_in(page, url, owner.username)
    page.goto(f"{url}/orgchart/positions/")
    page.get_by_role("link", name="Clerk", exact=True).click()
    page.get_by_label("Requires two-factor authentication").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator('tr[data-position="Clerk"]').get_by_test_id("requires-2fa")).to_have_text("Required")

    staff_page = browser_as("acme:plain_staff")
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(staff_page.locator(".message")).to_contain_text("Your position requires two-factor authentication.")
    # No other page first.
    staff_page.goto(f"{url}/campaigns/")
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")

    enrol_in_browser(staff_page, plain_staff)
    expect(staff_page.get_by_role("heading", level=1)).not_to_have_text("Set up two-factor authentication")
    staff_page.goto(f"{url}/security/two-factor/")
    expect(staff_page.get_by_test_id("two-factor-status")).to_contain_text(
        "Your position requires two-factor authentication, so it cannot be turned off."
    )


def test_backup_code_login_new_codes_and_turning_off(page, live_server, owner):
    from accounts.services.security import two_factor_device_start, two_factor_enable

    device = two_factor_device_start(actor=owner)
    _device, codes = two_factor_enable(actor=owner, device=device, token=current_code(owner))
    url = live_server.url

    sign_in(page, url, owner.username)
    page.get_by_label("Code from your app or a backup code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".message.warning")).to_contain_text("You used a backup code; 9 are left.")

    sidebar_links(page).get_by_text("Two-factor authentication", exact=True).click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("9 backup codes left.")
    page.get_by_role("button", name="Generate new backup codes").click()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    expect(page.get_by_test_id("backup-codes")).not_to_contain_text(codes[1])
    page.get_by_role("link", name="I have saved them — continue").click()

    page.get_by_role("link", name="Turn off").click()
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_role("button", name="Turn off").click()
    expect(page.locator('.error[data-field="password"]')).to_have_text("The password is not correct.")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Turn off").click()
    expect(page.locator(".message.success")).to_have_text("Two-factor authentication is off.")
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("Off.")


def test_lockout_page_and_the_owner_unlocks(page, live_server, owner, plain_staff, browser_as, settings):
    settings.AXES_ENABLED = True
    url = live_server.url
    staff_page = browser_as()
    for i in range(10):
        sign_in(staff_page, url, "acme:plain_staff", f"wrong-{i}")
    expect(staff_page.get_by_test_id("locked-out")).to_contain_text("Login blocked for now")
    expect(staff_page.get_by_test_id("retry-at")).to_contain_text(re.compile(r"Try again after \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(staff_page.get_by_test_id("locked-out-advice")).to_contain_text("ask your main account to unlock you sooner")
    sign_in(staff_page, url, "acme:plain_staff", PASSWORD)
    expect(staff_page.get_by_test_id("locked-out")).to_be_visible()

    sign_in(page, url, owner.username)
    page.goto(f"{url}/staff/{plain_staff.pk}/")
    expect(page.get_by_test_id("login-lock-address")).to_contain_text(
        re.compile(r"From the network 127\.0\.0\.1: 10 failed logins in a row; blocked until \d{4}-\d{2}-\d{2} \d{2}:\d{2}\.")
    )
    page.get_by_role("button", name="Unlock login").click()
    expect(page.locator(".message.success")).to_have_text("Login is unlocked; the staff member can log in again.")

    sign_in(staff_page, url, "acme:plain_staff", PASSWORD)
    expect(staff_page.get_by_test_id("current-user")).to_be_visible()

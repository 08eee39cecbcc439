"""Acceptance of real-person verification, mute and freeze (R-17, R-18) in Chromium:
the staff member verifies and the operator approves in the admin; an account frozen by the
scheduled command is refused at login until its main account unfreezes it."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.identity_helpers import valid_id
from tests.factories import PASSWORD

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_submit_verification_operator_approves_in_the_admin_and_the_banner_goes(live_server, west_staff, operator, browser_as):
    url = live_server.url
    number = valid_id(21)
    staff = browser_as(west_staff.username)
    banner = staff.get_by_test_id("mute-banner")
    expect(banner).to_contain_text("or your account is frozen")
    banner.get_by_role("link", name="Verify now").click()
    expect(staff.get_by_test_id("identity-status")).to_have_text("Unverified")

    # A typo in the number: refused next to the field, which comes back empty.
    staff.get_by_label("Real name").fill("王五")
    staff.get_by_label("Resident ID number").fill(number[:-1] + ("1" if number[-1] != "1" else "2"))
    staff.get_by_role("button", name="Submit for review").click()
    expect(staff.locator('.error[data-field="id_number"]')).to_contain_text("does not match")
    expect(staff.get_by_label("Resident ID number")).to_have_value("")

    staff.get_by_label("Resident ID number").fill(number.lower())
    staff.get_by_role("button", name="Submit for review").click()
    expect(staff.locator(".message.success")).to_contain_text("Submitted")
    expect(staff.get_by_test_id("identity-status")).to_have_text("Pending review")
    expect(staff.get_by_text(f"{number[:4]}**********{number[-4:]}")).to_be_visible()
    expect(banner).to_have_count(0)  # under review the account works normally

    admin = browser_as()
    # The admin's login is the site's own (it holds the second-factor step, off in these tests).
    admin.goto(f"{url}/admin/login/?next=/admin/accounts/identityverification/")
    admin.get_by_label("User name").fill(operator.username)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    row = admin.locator("#result_list tbody tr", has_text="王五")
    expect(row).to_contain_text(f"{number[:4]}**********{number[-4:]}")
    expect(row).to_contain_text("Pending review")
    row.locator("input.action-select").check()
    admin.locator("select[name=action]").select_option("approve_selected")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 verifications approved.")
    expect(admin.locator("#result_list tbody tr", has_text="王五")).to_contain_text("Verified")

    staff.reload()
    expect(staff.get_by_test_id("identity-status")).to_have_text("Verified")
    expect(banner).to_have_count(0)
    staff.goto(f"{url}/inbox/")
    expect(staff.get_by_text("Your real-person verification is approved")).to_be_visible()


def test_frozen_by_the_command_refused_at_login_then_unfrozen_by_the_owner(page, live_server, owner, west_staff, browser_as):
    url = live_server.url
    staff = browser_as(west_staff.username)
    expect(staff.get_by_test_id("mute-banner")).to_be_visible()

    # Day 7 after binding: the deadline passes and the scheduled command runs.
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now() - datetime.timedelta(seconds=1))
    call_command("freeze_unverified", stdout=StringIO())

    staff.reload()  # the session ended with the freeze
    expect(staff).to_have_url(f"{url}/login/?next=/")
    sign_in(staff, url, west_staff.username)
    refusal = staff.locator(".form-errors")
    expect(refusal).to_contain_text("This account is frozen")
    expect(refusal).to_contain_text("Acme Shop")
    expect(refusal).to_contain_text("Boss")

    sign_in(page, url, owner.username)
    page.goto(f"{url}/staff/{west_staff.pk}/")
    expect(page.get_by_test_id("staff-status")).to_have_text("Frozen")
    page.get_by_role("button", name="Unfreeze for 2 days").click()
    expect(page.locator(".message.success")).to_contain_text("The account is unfrozen")
    expect(page.get_by_test_id("staff-status")).to_have_text("Active")
    deadline = timezone.localtime(User.objects.get(pk=west_staff.pk).verify_deadline)
    assert deadline - timezone.now() > datetime.timedelta(days=1, hours=23)
    expect(page.get_by_test_id("verify-deadline")).to_have_text(deadline.strftime("%Y-%m-%d %H:%M"))

    sign_in(staff, url, west_staff.username)
    expect(staff.get_by_test_id("current-user")).to_be_visible()
    expect(staff.get_by_test_id("mute-banner")).to_contain_text(deadline.strftime("%Y-%m-%d %H:%M"))

    # Two days later, still unverified: frozen again.
    User.objects.filter(pk=west_staff.pk).update(verify_deadline=timezone.now() - datetime.timedelta(seconds=1))
    call_command("freeze_unverified", stdout=StringIO())
    staff.reload()
    expect(staff).to_have_url(f"{url}/login/?next=/")


def test_operator_rejects_from_the_change_page_with_a_reason_the_staff_member_sees(live_server, west_staff, operator, browser_as):
    from accounts.services.identity import verification_submit

    url = live_server.url
    verification_submit(actor=west_staff, real_name="王五", id_number=valid_id(22), mobile="13911112222")
    admin = browser_as()
    # The admin's login is the site's own (it holds the second-factor step, off in these tests).
    admin.goto(f"{url}/admin/login/?next=/admin/accounts/identityverification/")
    admin.get_by_label("User name").fill(operator.username)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="王五").click()
    admin.get_by_test_id("reject").click()
    expect(admin.get_by_role("heading", name="Reject verifications")).to_be_visible()
    expect(admin.get_by_label("Reason")).to_have_attribute("required", "")  # the server refuses it too
    admin.get_by_label("Reason").fill("The name does not match the ID card")
    admin.get_by_role("button", name="Reject").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 verifications rejected.")

    staff = browser_as(west_staff.username)
    expect(staff.get_by_test_id("mute-banner")).to_be_visible()
    staff.goto(f"{url}/account/verification/")
    expect(staff.get_by_test_id("identity-status")).to_have_text("Rejected")
    expect(staff.get_by_test_id("rejection-reason")).to_have_text("The name does not match the ID card")
    expect(staff.get_by_role("button", name="Submit for review")).to_be_visible()


def test_the_owners_audit_log_shows_that_a_verification_happened_but_no_personal_data(
    live_server, owner, west_staff, operator, browser_as
):
    """R-19: after a staff member submits and an operator approves, the main account's audit log
    page and its CSV export say "submitted" and "approved", and by whom, without the real name,
    the mobile or the masked ID number."""
    url = live_server.url
    number = valid_id(22)
    masked = f"{number[:4]}**********{number[-4:]}"
    staff = browser_as(west_staff.username)
    staff.goto(f"{url}/account/verification/")
    staff.get_by_label("Real name").fill("王五")
    staff.get_by_label("Resident ID number").fill(number)
    staff.get_by_label("Mobile", exact=True).fill("13911112222")
    staff.get_by_role("button", name="Submit for review").click()
    expect(staff.get_by_test_id("identity-status")).to_have_text("Pending review")

    admin = browser_as()
    admin.goto(f"{url}/admin/login/?next=/admin/accounts/identityverification/")
    admin.get_by_label("User name").fill(operator.username)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    row = admin.locator("#result_list tbody tr", has_text="王五")
    expect(row).to_contain_text(masked)  # the operator reads the identity data here, and only here
    row.locator("input.action-select").check()
    admin.locator("select[name=action]").select_option("approve_selected")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 verifications approved.")

    owner_page = browser_as(owner.username)
    owner_page.goto(f"{url}/settings/audit/")
    submitted = owner_page.locator("table tbody tr", has_text="Real-person verification submitted")
    approved = owner_page.locator("table tbody tr", has_text="Real-person verification approved")
    expect(submitted).to_have_count(1)
    expect(submitted).to_contain_text(str(west_staff))
    expect(approved).to_have_count(1)
    expect(approved).to_contain_text(str(operator))
    log = owner_page.locator("table").inner_text()
    for personal in ("王五", "13911112222", masked, number[:6]):
        assert personal not in log

    with owner_page.expect_download() as download:
        owner_page.get_by_role("link", name="Export CSV").click()
    export = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Real-person verification submitted" in export and "Real-person verification approved" in export
    for personal in ("王五", "13911112222", masked, number[:6]):
        assert personal not in export

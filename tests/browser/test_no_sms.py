"""Acceptance of issue 23 item 1 in Chromium: in production with no SMS channel the owner sees the
warning on adding staff (and must confirm before any link is made) and on the dashboard, and the
invited person's bind page says no code could be sent instead of claiming one was."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

from .helpers import bind_link_in_message, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = "Text messages are not set up on this site"


@pytest.fixture
def no_sms(settings):
    settings.PRODUCTION = True
    settings.SMS_PROVIDER = ""
    settings.SMS_GATEWAY_URL = ""


def test_without_an_sms_channel_the_owner_is_warned_on_adding_staff_and_on_the_dashboard(
    no_sms, page, live_server, owner, org, browser_as
):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("sms-warning")).to_contain_text(WARNING)  # the dashboard

    page.goto(f"{live_server.url}/staff/add/")
    expect(page.get_by_test_id("sms-warning")).to_contain_text(WARNING)
    page.get_by_label("Display name").fill("小李")
    page.get_by_label("Account name").fill("xiaoli")
    page.get_by_label("Mobile (DingTalk)").fill("13912345678")
    page.get_by_label("Department", exact=True).select_option(label="Sales/East")
    page.get_by_label("Position").select_option(label="Clerk")
    page.get_by_role("button", name="Add and send invitation").click()
    # Not confirmed: nothing is stored, the box is pointed at.
    expect(page.locator('p.error[data-field="confirm_no_sms"]')).to_contain_text("Tick the box to add anyway")
    assert not User.objects.filter(account_name="xiaoli").exists()

    page.get_by_label("Add anyway").check()
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page).to_have_url(re.compile(r"/staff/\d+/$"))
    link = bind_link_in_message(page)
    expect(page.locator(".message.warning")).to_contain_text(WARNING)

    page.goto(f"{live_server.url}/staff/import/")
    expect(page.get_by_test_id("sms-warning")).to_contain_text(WARNING)

    invitee = browser_as()
    invitee.goto(link)
    expect(invitee.get_by_test_id("no-sms")).to_contain_text("No code could be sent to 139****5678")
    expect(invitee.get_by_role("button", name="Send code")).to_have_count(0)
    expect(invitee.get_by_text("code was sent")).to_have_count(0)

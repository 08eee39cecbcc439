"""Browser tests for sessions and temporary accounts (issue 11 items 3, 6; R-15, R-20, R-21).

Personas: ``tests/personas.py`` (tenant ``acme``; ``plain_staff`` in East, position Clerk).
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AuditEntry, User
from tests.factories import PASSWORD

from .helpers import bind_account, bind_link_in_message, sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner_page(page, live_server, owner):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("current-user")).to_have_text(owner.username)
    return page


def test_owner_ends_a_staff_session_and_that_browser_is_logged_out_on_its_next_click(
    owner_page, live_server, browser_as, plain_staff
):
    staff_page = browser_as(plain_staff.username)
    expect(staff_page.get_by_test_id("dashboard-welcome")).to_be_visible()

    owner_page.goto(f"{live_server.url}/staff/{plain_staff.pk}/")
    sessions = owner_page.get_by_test_id("session-table").locator("tbody tr")
    expect(sessions).to_have_count(1)
    expect(sessions.first).to_contain_text("127.0.0.1")
    sessions.first.get_by_role("button", name="End session").click()
    expect(owner_page.locator(".message.success")).to_have_text("The session has ended; that device is logged out.")
    expect(owner_page.get_by_test_id("no-sessions")).to_be_visible()

    sidebar_links(staff_page).get_by_text("Inbox", exact=True).click()
    expect(staff_page).to_have_url(re.compile(r"/login/\?next=/inbox/$"))
    expect(staff_page.get_by_test_id("current-user")).to_have_count(0)
    assert AuditEntry.objects.filter(action="session.end", target_id=str(plain_staff.pk)).count() == 1


def test_my_sessions_marks_this_device_and_ends_the_others(live_server, browser_as, plain_staff):
    laptop = browser_as(plain_staff.username)
    phone = browser_as(plain_staff.username)

    sidebar_links(laptop).get_by_text("My sessions", exact=True).click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("My sessions")
    rows = laptop.get_by_test_id("session-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(laptop.get_by_test_id("this-device")).to_have_count(1)
    laptop.get_by_role("button", name="End all other sessions").click()
    expect(laptop.locator(".message.success")).to_have_text("1 other sessions ended.")
    expect(rows).to_have_count(1)

    phone.reload()
    expect(phone).to_have_url(re.compile(r"/login/"))
    laptop.reload()
    expect(laptop.get_by_test_id("this-device")).to_be_visible()


def test_a_temporary_account_is_refused_outside_its_window_and_let_in_inside(owner_page, live_server, browser_as, org):
    page = owner_page
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    page.get_by_role("link", name="Add temporary account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add temporary account")
    page.get_by_label("Display name").fill("双十一客服")
    page.get_by_label("Account name").fill("kefu11")
    page.get_by_label("Mobile (DingTalk)").fill("13912340011")
    page.get_by_label("Department", exact=True).select_option(label="Ops")
    page.get_by_label("Position").select_option(label="Clerk")
    page.get_by_label("Window starts").fill("2030-11-01T00:00")
    page.get_by_label("Window ends").fill("2030-12-21T23:59")
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page).to_have_url(re.compile(r"/staff/\d+/$"))
    expect(page.get_by_test_id("temporary-window")).to_contain_text("2030-11-01 00:00 – 2030-12-21 23:59 (Asia/Shanghai)")
    expect(page.get_by_test_id("temporary-window")).to_contain_text("Upcoming")
    link = bind_link_in_message(page)
    detail_url = page.url

    # Listed apart from the staff, with its window's state and the separate quota.
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    expect(page.get_by_test_id("staff-table")).to_have_count(0)
    temporary_row = page.get_by_test_id("temporary-table").locator('tr[data-account="kefu11"]')
    expect(temporary_row.get_by_test_id("window-state")).to_have_text("Upcoming")
    expect(page.get_by_test_id("temporary-seats")).to_have_text("1 of 20 temporary accounts used; they take no staff seat.")

    # The person binds (allowed before the window), but cannot log in before it opens.
    newcomer = browser_as()
    bind_account(newcomer, link)
    expect(newcomer.locator(".message.success")).to_have_text("Your account is bound. Log in as acme:kefu11.")
    sign_in(newcomer, live_server.url, "acme:kefu11", PASSWORD)
    expect(newcomer.get_by_role("alert")).to_contain_text(
        "This temporary account works only from 2030-11-01 00:00 – 2030-12-21 23:59 (Asia/Shanghai)."
    )
    expect(newcomer.get_by_test_id("current-user")).to_have_count(0)

    # The owner opens the window now; the person logs in.
    page.goto(detail_url)
    page.get_by_role("link", name="Edit window").click()
    page.get_by_label("Window starts").fill("2020-01-01T00:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("The window is saved.")
    expect(page.get_by_test_id("temporary-window")).to_contain_text("Open")
    sign_in(newcomer, live_server.url, "acme:kefu11", PASSWORD)
    expect(newcomer.get_by_test_id("current-user")).to_have_text("双十一客服")
    assert User.objects.get(account_name="kefu11").is_temporary

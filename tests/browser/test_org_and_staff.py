"""Acceptance of the org-chart issue (R-3 … R-15), driven through the browser end to end:
a main account builds its org chart, a position and a staff account; the staff member binds,
sees exactly the menus the position allows, and loses rights and access on the next page load."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from orgchart.models import Department
from tests.factories import PASSWORD

from .helpers import bind_account, bind_link_in_message, sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def node(page, path):
    """The row of one department in the org-chart tree (without its sub-departments)."""
    return page.locator(f'li[data-department="{path}"] > .node')


def add_department(page, base_url, name, parent=None):
    """Add a department from the tree page: the top button, or the parent's own link."""
    page.goto(f"{base_url}/orgchart/")
    if parent is None:
        page.get_by_role("link", name="Add department").click()
        expect(page.get_by_label("Parent department").locator("option:checked")).to_have_text("— top level —")
    else:
        node(page, parent).get_by_role("link", name="Add sub-department").click()
        expect(page.get_by_label("Parent department").locator("option:checked")).to_have_text(parent)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Save").click()
    path = f"{parent}/{name}" if parent else name
    expect(page.locator(".message.success")).to_have_text(f"Department {path} created.")
    expect(node(page, path)).to_be_visible()


@pytest.mark.sqlite_smoke
def test_org_chart_position_and_staff_from_invitation_to_lost_access(page, live_server, owner, browser_as):
    url = live_server.url
    sign_in(page, url, owner.username)
    expect(page.get_by_test_id("dashboard-welcome")).to_contain_text("Acme Shop")

    # A three-level tree, each level added where the tree offers it.
    add_department(page, url, "运营部")
    add_department(page, url, "华东组", parent="运营部")
    add_department(page, url, "一组", parent="运营部/华东组")
    expect(page.get_by_test_id("org-tree").locator("li")).to_have_count(3)

    # A fourth level is not offered: no link on level 3, and the parent choice says level 3 is full.
    expect(node(page, "运营部/华东组/一组").get_by_role("link", name="Add sub-department")).to_have_count(0)
    expect(node(page, "运营部/华东组/一组").get_by_role("link", name="Edit")).to_be_visible()
    page.get_by_role("link", name="Add department").click()
    expect(page.get_by_label("Parent department").locator("option")).to_have_text(
        ["— top level —", "运营部", "运营部/华东组", "运营部/华东组/一组 (third level: no sub-department possible)"]
    )

    # Moving a two-level subtree under a level-2 department would make four levels: refused.
    add_department(page, url, "市场部")
    add_department(page, url, "直播组", parent="市场部")
    node(page, "市场部").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit department 市场部")
    page.get_by_label("Parent department").select_option(label="运营部/华东组")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error[data-field=parent]")).to_have_text(
        "Moving 市场部 there would make the org chart deeper than 3 levels."
    )
    expect(page).to_have_url(re.compile(r"/orgchart/departments/\d+/edit/$"))
    page.goto(f"{url}/orgchart/")
    expect(node(page, "市场部/直播组")).to_be_visible()
    assert Department.objects.get(name="市场部").parent is None

    # A position with two rights from the catalogue.
    sidebar_links(page).get_by_text("Positions", exact=True).click()
    page.get_by_role("link", name="Add position").click()
    page.get_by_label("Name").fill("活动运营")
    page.get_by_label("Description").fill("Follows campaigns and their results")
    page.get_by_label("View campaigns only — ").check()
    page.get_by_label("Campaign effect data — ").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("Position 活动运营 saved.")
    for label in ("View campaigns only", "Campaign effect data"):
        expect(page.locator('tr[data-position="活动运营"]')).to_contain_text(label)

    # A staff account in the third level, with that position.
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    page.get_by_role("link", name="Add staff").click()
    page.get_by_label("Display name").fill("小李")
    page.get_by_label("Account name").fill("xiaoli")
    page.get_by_label("Mobile (DingTalk)").fill("13912345678")
    page.get_by_label("Department", exact=True).select_option(label="运营部/华东组/一组")
    page.get_by_label("Position").select_option(label="活动运营")
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page).to_have_url(re.compile(r"/staff/\d+/$"))
    expect(page.get_by_test_id("staff-status")).to_have_text("Awaiting binding")
    link = bind_link_in_message(page)
    staff_url = page.url
    # The same single-use link went to the staff member's notification.
    notification = Notification.objects.get(recipient__account_name="xiaoli")
    assert link.endswith(notification.link)

    # The employee binds in their own browser and logs in as <tenant>:<account name>.
    staff_page = browser_as()
    bind_account(staff_page, link)
    expect(staff_page).to_have_url(re.compile(r"/login/$"))
    expect(staff_page.locator(".message.success")).to_have_text("Your account is bound. Log in as acme:xiaoli.")
    sign_in(staff_page, url, "acme:xiaoli", PASSWORD)
    expect(staff_page.get_by_test_id("current-user")).to_have_text("小李")
    expect(sidebar_links(staff_page)).to_have_text(
        ["Dashboard", "Inbox", "Campaigns", "Official campaigns", "Effect reports", "Real-person verification", "My sessions", "Change password", "Two-factor authentication"]
    )
    sidebar_links(staff_page).get_by_text("Effect reports").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Effect reports")
    assert staff_page.goto(f"{url}/orgchart/").status == 403
    assert staff_page.goto(f"{url}/staff/").status == 403

    # The owner takes "Campaign effect data" away from the position …
    page.goto(f"{url}/orgchart/positions/")
    page.get_by_role("link", name="活动运营").click()
    expect(page.get_by_label("Campaign effect data — ")).to_be_checked()
    page.get_by_label("Campaign effect data — ").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("Position 活动运营 saved.")
    expect(page.locator('tr[data-position="活动运营"]')).not_to_contain_text("Campaign effect data")

    # … and the staff member's very next page load follows, without logging in again.
    staff_page.goto(f"{url}/")
    expect(staff_page.get_by_test_id("current-user")).to_have_text("小李")
    expect(sidebar_links(staff_page)).to_have_text(
        ["Dashboard", "Inbox", "Campaigns", "Official campaigns", "Real-person verification", "My sessions", "Change password", "Two-factor authentication"]
    )
    assert staff_page.goto(f"{url}/campaigns/reports/").status == 403

    # Disabling the account ends its session on the next request.
    page.goto(staff_url)
    page.get_by_role("button", name="Disable").click()
    expect(page.locator(".message.success")).to_have_text("The account is disabled; its sessions have ended.")
    expect(page.get_by_test_id("staff-status")).to_have_text("Disabled")
    staff_page.goto(f"{url}/campaigns/")
    expect(staff_page).to_have_url(re.compile(r"/login/\?next=/campaigns/$"))
    expect(staff_page.get_by_test_id("current-user")).to_have_count(0)

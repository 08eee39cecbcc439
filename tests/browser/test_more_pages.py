"""Main-path browser tests for the pages the other browser tests do not reach.

Org chart of tenant ``acme`` (``tests/personas.py``): Sales (sales_admin) > East (east_admin,
plain_staff) > East One (east_one_staff); Sales > West (west_staff, Publisher); Ops (ops_staff).
Positions ``Clerk`` (view campaigns) and ``Publisher`` (view + publish campaigns).
"""

import csv
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import AuditEntry, Notification, User
from accounts.services.staff import staff_update
from campaigns.models import Campaign, EnrolledProduct
from campaigns.services import campaign_create, campaign_update, enrollment_approve, enrollment_reject, enrollment_submit
from campaigns.services.effects import TEMPLATE_HEADER as EFFECT_TEMPLATE_HEADER
from orgchart.models import Department
from orgchart.services import position_create
from tests.factories import PASSWORD
from tests.personas import catalogue, hire

from .helpers import sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Blue-Lantern-7391"


@pytest.fixture
def owner_page(page, live_server, owner):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("current-user")).to_have_text(owner.username)
    return page


def message(page, kind="success"):
    return page.locator(f".message.{kind}")


def field_error(page, name):
    return page.locator(f".error[data-field={name}]")


def node(page, path):
    """The row of one department in the org-chart tree (without its sub-departments)."""
    return page.locator(f'li[data-department="{path}"] > .node')


def staff_row(page, account_name):
    return page.locator(f'tr[data-account="{account_name}"]')


def admin_badge(page, account_name):
    """The "Admin" badge next to a name in the staff list."""
    return staff_row(page, account_name).locator("td").first.locator(".status")


def product_row(page, product_id):
    return page.locator(f'tr[data-product="{product_id}"]')


def detail_value(page, term):
    """The ``<dd>`` that follows the ``<dt>`` with this exact text."""
    return page.locator("dl dt", has_text=re.compile(rf"^{re.escape(term)}$")).locator("xpath=following-sibling::dd[1]")


def make_campaign(owner, title, *, contact_person=None, review_mode=Campaign.ReviewMode.MANUAL, starts_in=-10, days=30, **scope):
    today = timezone.localdate()
    scope.setdefault("scope_whole_tenant", True)
    return campaign_create(
        actor=owner,
        tenant=owner.tenant,
        title=title,
        starts_on=today + datetime.timedelta(days=starts_in),
        ends_on=today + datetime.timedelta(days=starts_in + days),
        commission_rate=Decimal("20"),
        service_fee_rate=Decimal("5"),
        review_mode=review_mode,
        contact_person=contact_person,
        **scope,
    )


def enroll(campaign, product_id, title, shop="Crunchy Nuts Flagship Store"):
    return enrollment_submit(
        campaign=campaign,
        shop_name=shop,
        product_id=product_id,
        product_url="",
        title=title,
        price=Decimal("59.90"),
        proposed_commission_rate=Decimal("20"),
        merchant_contact="Ms Chen",
    )


# Login, logout, password ------------------------------------------------------------------------


def test_login_names_a_wrong_password_and_an_unbound_account(page, live_server, owner, org, plain_staff):
    pending = hire(owner, "pending_pat", org.ops, org.clerk, bind=False)
    errors = page.locator(".form-errors")

    sign_in(page, live_server.url, owner.username, "not-the-password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(errors).to_have_text("Wrong user name or password. Staff log in as <tenant>:<account name>.")
    expect(page.get_by_test_id("current-user")).to_have_count(0)

    sign_in(page, live_server.url, "acme:plain_staff", "not-the-password")
    expect(errors).to_have_text("Wrong user name or password. Staff log in as <tenant>:<account name>.")
    sign_in(page, live_server.url, "plain_staff", PASSWORD)  # without the tenant prefix
    expect(errors).to_have_text("Wrong user name or password. Staff log in as <tenant>:<account name>.")

    sign_in(page, live_server.url, pending.username, PASSWORD)
    expect(errors).to_have_text("This account is not bound yet. Follow the invitation link sent to your mobile.")
    expect(page.get_by_test_id("current-user")).to_have_count(0)

    # The right password, typed with a capitalised prefix, lands on the page first asked for.
    page.goto(f"{live_server.url}/inbox/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/inbox/$"))
    page.get_by_label("User name").fill("ACME:Plain_Staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/inbox/")
    expect(page.get_by_test_id("current-user")).to_have_text("Plain Staff")


def test_log_out_ends_the_session(owner_page, live_server):
    page = owner_page
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(f"{live_server.url}/staff/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/staff/$"))


def test_staff_member_changes_their_password(live_server, browser_as, org, plain_staff):
    page = browser_as(plain_staff.username)
    sidebar_links(page).get_by_text("Change password", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change password")

    page.get_by_label("Old password").fill("not-the-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(field_error(page, "old_password")).to_have_text(
        "Your old password was entered incorrectly. Please enter it again."
    )

    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="Change password").click()
    expect(field_error(page, "new_password2")).to_have_text("The two password fields didn’t match.")

    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("12345678")
    page.get_by_label("New password confirmation").fill("12345678")
    page.get_by_role("button", name="Change password").click()
    expect(field_error(page, "new_password2")).to_contain_text(["This password is too common."])

    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(message(page)).to_have_text("Your password has been changed.")
    # This session stays logged in; the old password no longer works, the new one does.
    page.reload()
    expect(page.get_by_test_id("current-user")).to_have_text("Plain Staff")
    assert AuditEntry.objects.filter(action="user.password_change", target_label__contains="Plain Staff").count() == 1

    other = browser_as()
    sign_in(other, live_server.url, plain_staff.username, PASSWORD)
    expect(other.locator(".form-errors")).to_have_text(
        "Wrong user name or password. Staff log in as <tenant>:<account name>."
    )
    sign_in(other, live_server.url, plain_staff.username, NEW_PASSWORD)
    expect(other.get_by_test_id("current-user")).to_have_text("Plain Staff")


# Staff edit -------------------------------------------------------------------------------------


def test_staff_edit_changes_department_position_and_rights(owner_page, live_server, browser_as, org, plain_staff, west_staff):
    staff_page = browser_as(plain_staff.username)
    expect(sidebar_links(staff_page)).to_have_text(["Dashboard", "Inbox", "Campaigns", "Official campaigns", "Real-person verification", "My sessions", "Change password", "Two-factor authentication"])

    page = owner_page
    page.goto(f"{live_server.url}/staff/")
    staff_row(page, "plain_staff").get_by_role("link", name="Plain Staff").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Plain Staff")
    expect(page.get_by_label("Account name")).to_have_count(0)  # fixed after creation
    expect(page.get_by_label("Display name")).to_have_value("Plain Staff")
    expect(page.get_by_label("Department", exact=True).locator("option:checked")).to_have_text("Sales/East")
    expect(page.get_by_label("Position").locator("option:checked")).to_have_text("Clerk")
    expect(page.get_by_label("Department admin")).not_to_be_checked()

    # A mobile another account holds, or one that is not a mobile, is refused next to the field.
    page.get_by_label("Mobile (DingTalk)").fill("12345")
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "mobile")).to_have_text("Enter a mainland China mobile number: 11 digits starting with 13–19.")
    page.get_by_label("Mobile (DingTalk)").fill(west_staff.mobile)
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "mobile")).to_have_text("This mobile is already bound to another account of your organisation.")
    assert User.objects.get(pk=plain_staff.pk).mobile == plain_staff.mobile

    page.get_by_label("Display name").fill("Plain Staff Lead")
    page.get_by_label("Mobile (DingTalk)").fill("13600009999")
    page.get_by_label("Department", exact=True).select_option(label="Sales/West")
    page.get_by_label("Position").select_option(label="Publisher")
    page.get_by_label("Department admin").check()
    page.get_by_label("Campaign effect data — ").check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/staff/{plain_staff.pk}/$"))
    expect(message(page)).to_have_text("Changes saved. They apply on the staff member's next page load.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plain Staff Lead")
    expect(detail_value(page, "Mobile")).to_have_text("13600009999")
    expect(detail_value(page, "Department")).to_have_text("Sales/West Department admin")
    expect(detail_value(page, "Position")).to_have_text("Publisher")
    expect(detail_value(page, "Login")).to_have_text("acme:plain_staff")

    # The staff member's next page load follows: publishing, effect reports and the staff list.
    staff_page.reload()
    expect(sidebar_links(staff_page)).to_have_text(
        ["Dashboard", "Inbox", "Campaigns", "Official campaigns", "Effect reports", "Staff", "Real-person verification", "My sessions", "Change password", "Two-factor authentication"]
    )
    sidebar_links(staff_page).get_by_text("Campaigns", exact=True).click()
    expect(staff_page.get_by_role("link", name="Publish campaign")).to_be_visible()
    sidebar_links(staff_page).get_by_text("Staff", exact=True).click()
    expect(staff_row(staff_page, "west_staff")).to_be_visible()
    expect(staff_row(staff_page, "plain_staff")).to_contain_text("Plain Staff Lead")


# Departments ------------------------------------------------------------------------------------


def test_department_edit_renames_moves_and_sets_admins(owner_page, live_server, org, east_admin, plain_staff, east_one_staff):
    page = owner_page
    page.goto(f"{live_server.url}/orgchart/")
    expect(node(page, "Sales/East")).to_contain_text("Admins: East Admin")
    node(page, "Sales/East").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit department East")
    expect(page.get_by_label("Name")).to_have_value("East")
    expect(page.get_by_label("Parent department").locator("option:checked")).to_have_text("Sales")
    # Neither the department itself nor anything below it is offered as the new parent.
    expect(page.get_by_label("Parent department").locator("option")).to_have_text(
        ["— top level —", "Sales", "Sales/West", "Ops"]
    )
    expect(page.get_by_label("East Admin")).to_be_checked()
    expect(page.get_by_label("Plain Staff")).not_to_be_checked()
    expect(page.get_by_label("East One Staff")).to_have_count(0)  # staff of the sub-department

    # A sibling's name is refused next to the name.
    page.get_by_label("Name").fill("West")
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "name")).to_have_text("A department with this name already exists at this place.")

    page.get_by_label("Name").fill("East Coast")
    page.get_by_label("Parent department").select_option(label="Ops")
    page.get_by_label("East Admin").uncheck()
    page.get_by_label("Plain Staff").check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/orgchart/$"))
    expect(message(page)).to_have_text("Department saved.")
    expect(node(page, "Sales/East")).to_have_count(0)
    expect(node(page, "Ops/East Coast")).to_contain_text("Admins: Plain Staff")
    expect(node(page, "Ops/East Coast")).not_to_contain_text("East Admin")
    expect(node(page, "Ops/East Coast/East One")).to_contain_text("1 staff · 1 in subtree")
    expect(node(page, "Ops")).to_contain_text("0 staff · 3 in subtree")

    # The staff list follows the new paths and the new admin flag.
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    expect(staff_row(page, "plain_staff").locator("td").nth(3)).to_have_text("Ops/East Coast")
    expect(admin_badge(page, "plain_staff")).to_have_text("Admin")
    expect(admin_badge(page, "east_admin")).to_have_count(0)
    expect(staff_row(page, "east_one_staff").locator("td").nth(3)).to_have_text("Ops/East Coast/East One")
    assert list(AuditEntry.objects.filter(action__startswith="department.").order_by("pk").values_list("action", flat=True))[-3:] == [
        "department.rename",
        "department.move",
        "department.set_admins",
    ]


def test_department_delete_is_refused_while_not_empty_then_succeeds(owner_page, live_server, owner, org, east_one_staff):
    page = owner_page
    page.goto(f"{live_server.url}/orgchart/")
    expect(page.get_by_text("5 departments, at most three levels deep.")).to_be_visible()

    node(page, "Sales/East/East One").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete department East One?")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/orgchart/$"))
    expect(message(page, "error")).to_have_text(
        "East One cannot be deleted: it has 1 staff account: East One Staff."
    )
    expect(node(page, "Sales/East/East One")).to_be_visible()

    node(page, "Sales").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(message(page, "error")).to_have_text("Sales cannot be deleted: it has 2 sub-departments: East、West.")
    expect(node(page, "Sales")).to_be_visible()
    assert Department.objects.filter(tenant=owner.tenant).count() == 5

    # Cancel keeps it; once its only member has moved, it goes.
    node(page, "Sales/East/East One").get_by_role("link", name="Delete").click()
    page.get_by_role("link", name="Cancel").click()
    expect(node(page, "Sales/East/East One")).to_be_visible()
    staff_update(
        actor=owner,
        staff=east_one_staff,
        display_name=east_one_staff.display_name,
        mobile=east_one_staff.mobile,
        department=org.east,
        position=org.clerk,
        is_department_admin=False,
    )
    node(page, "Sales/East/East One").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(message(page)).to_have_text("Department East One deleted.")
    expect(node(page, "Sales/East/East One")).to_have_count(0)
    expect(node(page, "Sales/East")).to_contain_text("1 staff · 1 in subtree")
    expect(page.get_by_text("4 departments, at most three levels deep.")).to_be_visible()
    assert AuditEntry.objects.filter(action="department.delete", target_label__contains="East One").count() == 1


# DingTalk settings ------------------------------------------------------------------------------


def test_dingtalk_info_can_be_changed_later_and_the_secret_is_write_only(owner_page, live_server, owner):
    page = owner_page
    sidebar_links(page).get_by_text("DingTalk info", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DingTalk info")
    expect(page.get_by_test_id("dingtalk-gate")).to_have_count(0)
    expect(page.get_by_label("DingTalk mobile")).to_have_value("13800138000")

    page.get_by_label("DingTalk contact name").fill("Boss Li")
    page.get_by_label("DingTalk robot webhook").fill("http://oapi.dingtalk.com/robot/send?access_token=abc")
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "dingtalk_webhook")).to_be_visible()

    page.get_by_label("DingTalk robot webhook").fill("https://oapi.dingtalk.com/robot/send?access_token=abc")
    page.get_by_label("DingTalk robot secret").fill("SECabc123")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(message(page)).to_have_text("DingTalk info saved.")

    sidebar_links(page).get_by_text("DingTalk info", exact=True).click()
    expect(page.get_by_label("DingTalk contact name")).to_have_value("Boss Li")
    expect(page.get_by_label("DingTalk robot secret")).to_have_value("")
    expect(page.get_by_text("A robot secret is stored. Leave the field empty to keep it.")).to_be_visible()
    owner.tenant.refresh_from_db()
    assert owner.tenant.dingtalk_secret == "SECabc123"


# Campaigns --------------------------------------------------------------------------------------


@pytest.fixture
def alert_receiver(owner, org):
    """Staff of Sales/East who reviews and receives commission alerts."""
    reviewer = position_create(
        actor=owner,
        tenant=owner.tenant,
        name="Reviewer",
        permissions=catalogue("view_campaigns", "review_enrollments", "commission_alerts"),
    )
    return hire(owner, "alert_al", org.east, reviewer)


def test_campaign_list_filters_by_title_and_period(owner_page, live_server, owner, org):
    make_campaign(owner, "Spring tea festival", starts_in=-5, days=20)
    make_campaign(owner, "Double 11 snacks", starts_in=10, days=20)
    make_campaign(owner, "New year nuts", starts_in=-60, days=20)
    page = owner_page
    sidebar_links(page).get_by_text("Campaigns", exact=True).click()
    rows = page.get_by_test_id("campaign-table").locator("tbody tr")
    expect(page.get_by_test_id("result-count")).to_have_text("3 campaigns")

    page.get_by_label("Period").select_option(label="Upcoming")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"phase=upcoming"))
    expect(page.get_by_test_id("result-count")).to_have_text("1 campaign")
    expect(rows.locator("td:first-child a")).to_have_text(["Double 11 snacks"])

    page.get_by_label("Period").select_option(label="Ended")
    page.get_by_role("button", name="Filter").click()
    expect(rows.locator("td:first-child a")).to_have_text(["New year nuts"])

    page.get_by_label("Period").select_option(label="All")
    page.get_by_label("Title").fill("TEA")
    page.get_by_role("button", name="Filter").click()
    expect(rows.locator("td:first-child a")).to_have_text(["Spring tea festival"])
    page.get_by_label("Title").fill("nothing like it")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("result-count")).to_have_text("0 campaigns")
    expect(rows).to_have_count(0)


def test_campaign_edit_saves_rates_and_scope_and_alerts_on_a_commission_cut(
    owner_page, live_server, browser_as, owner, org, west_staff, alert_receiver
):
    campaign = make_campaign(
        owner, "West snacks week", contact_person=alert_receiver, review_mode=Campaign.ReviewMode.AUTOMATIC
    )
    enroll(campaign, "50001", "Mixed nuts 500 g")  # approved at once to the contact person
    west = browser_as(west_staff.username)
    west.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    expect(west.get_by_role("heading", level=1)).to_have_text("West snacks week")

    page = owner_page
    sidebar_links(page).get_by_text("Campaigns", exact=True).click()
    page.get_by_role("link", name="West snacks week").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit West snacks week")
    expect(page.get_by_label("Title")).to_have_value("West snacks week")
    expect(page.get_by_label("Commission rate (%)")).to_have_value("20.00")
    expect(page.get_by_label("Visible to the whole organisation")).to_be_checked()

    # An end before the start is refused next to the end date, and nothing is saved.
    starts_on = page.get_by_label("Starts on").input_value()
    page.get_by_label("Ends on").fill((datetime.date.fromisoformat(starts_on) - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, "ends_on")).to_have_text("The campaign cannot end before it starts.")

    page.get_by_label("Ends on").fill((timezone.localdate() + datetime.timedelta(days=40)).isoformat())
    page.get_by_label("Title").fill("East snacks week")
    page.get_by_label("Commission rate (%)").fill("15")
    page.get_by_label("Visible to the whole organisation").uncheck()
    page.get_by_label("Sales/East", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(message(page)).to_have_text("Campaign saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("East snacks week")
    expect(detail_value(page, "Commission rate")).to_have_text("15.00%")
    campaign.refresh_from_db()
    assert campaign.ends_on == timezone.localdate() + datetime.timedelta(days=40)
    assert [d.path for d in campaign.scope_departments.all()] == ["Sales/East"]

    # West is out of the scope now; the product's contact person got the commission-cut alert.
    assert west.goto(f"{live_server.url}/campaigns/{campaign.pk}/").status == 404
    receiver = browser_as(alert_receiver.username)
    sidebar_links(receiver).get_by_text("Inbox", exact=True).click()
    receiver.get_by_role("link", name="Commission cut: Mixed nuts 500 g").click()
    expect(receiver.locator("article .body")).to_have_text(
        re.compile(r"^Campaign: East snacks week\. Commission rate cut from 20\.00% to 15\.00%\.$")
    )


def test_commission_cut_alert_shows_both_rates_alike(owner_page, live_server, browser_as, owner, org, alert_receiver):
    campaign = make_campaign(
        owner, "West snacks week", contact_person=alert_receiver, review_mode=Campaign.ReviewMode.AUTOMATIC
    )
    enroll(campaign, "50001", "Mixed nuts 500 g")
    page = owner_page
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/edit/")
    page.get_by_label("Commission rate (%)").fill("15")
    page.get_by_role("button", name="Save").click()
    expect(detail_value(page, "Commission rate")).to_have_text("15.00%")
    receiver = browser_as(alert_receiver.username)
    receiver.goto(f"{live_server.url}/inbox/")
    receiver.get_by_role("link", name="Commission cut: Mixed nuts 500 g").click()
    expect(receiver.locator("article .body")).to_have_text(
        "Campaign: West snacks week. Commission rate cut from 20.00% to 15.00%."
    )


@pytest.fixture
def products(owner, org, alert_receiver):
    """One pending, one approved and one rejected product in a manual-review campaign."""
    campaign = make_campaign(owner, "Double 11 snacks")
    pending = enroll(campaign, "60001", "Mixed nuts 500 g", shop="Crunchy Nuts Flagship Store")
    approved = enroll(campaign, "60002", "Green tea 250 g", shop="West Lake Tea House")
    rejected = enroll(campaign, "60003", "Dried mango 1 kg", shop="Crunchy Nuts Flagship Store")
    enrollment_approve(actor=alert_receiver, product=approved)
    enrollment_reject(actor=owner, product=rejected, reason="Price too high")
    return {
        "pending": EnrolledProduct.objects.get(pk=pending.pk),
        "approved": EnrolledProduct.objects.get(pk=approved.pk),
        "rejected": EnrolledProduct.objects.get(pk=rejected.pk),
    }


def test_product_list_filters_by_text_and_status(owner_page, live_server, products):
    page = owner_page
    sidebar_links(page).get_by_text("Campaigns", exact=True).click()
    page.get_by_role("link", name="Enrolled products").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrolled products")
    rows = page.get_by_test_id("product-table").locator("tbody tr")
    expect(page.get_by_test_id("result-count")).to_have_text("3 products")
    expect(product_row(page, "60002")).to_contain_text("Alert Al")

    page.get_by_label("Status").select_option(label="Rejected")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=rejected"))
    expect(page.get_by_test_id("result-count")).to_have_text("1 product")
    expect(rows).to_have_count(1)
    expect(product_row(page, "60003")).to_contain_text("Rejected")

    page.get_by_label("Status").select_option(label="All")
    page.get_by_label("Title, shop or product ID").fill("crunchy nuts")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("result-count")).to_have_text("2 products")
    expect(rows.locator("td:first-child a")).to_have_text(["Dried mango 1 kg", "Mixed nuts 500 g"])

    page.get_by_label("Status").select_option(label="Pending review")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=crunchy\+nuts&status=pending"))
    expect(rows).to_have_count(1)
    expect(product_row(page, "60001").get_by_role("button", name="Approve")).to_be_visible()

    page.get_by_label("Status").select_option(label="All")
    page.get_by_label("Title, shop or product ID").fill("60002")
    page.get_by_role("button", name="Filter").click()
    expect(rows.locator("td:first-child a")).to_have_text(["Green tea 250 g"])
    expect(product_row(page, "60002")).to_contain_text("West Lake Tea House")


def test_product_detail_reject_with_a_reason(live_server, browser_as, products, alert_receiver):
    page = browser_as(alert_receiver.username)
    page.goto(f"{live_server.url}/campaigns/products/")
    product_row(page, "60001").get_by_role("link", name="Mixed nuts 500 g").click()
    expect(page.get_by_test_id("product-status")).to_have_text("Pending review")
    page.get_by_label("Reason").fill("Commission below 20% after coupons")
    page.get_by_role("button", name="Reject").click()

    expect(message(page)).to_have_text("Rejected.")
    expect(page.get_by_test_id("product-status")).to_have_text("Rejected")
    expect(detail_value(page, "Reviewed")).to_contain_text("Alert Al — Commission below 20% after coupons")
    expect(page.get_by_test_id("contact-person")).to_have_text("—")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


def test_contact_person_sets_the_attention_level(live_server, browser_as, owner, org, products, alert_receiver, sales_admin):
    product = products["approved"]

    # A department admin above the contact person sees the product but may not set its attention.
    admin = browser_as(sales_admin.username)
    admin.goto(f"{live_server.url}/campaigns/products/{product.pk}/")
    expect(admin.get_by_test_id("contact-person")).to_have_text("Alert Al")
    expect(admin.get_by_label("Attention level")).to_have_count(0)

    page = browser_as(alert_receiver.username)
    page.goto(f"{live_server.url}/campaigns/products/")
    product_row(page, "60002").get_by_role("link", name="Green tea 250 g").click()
    expect(detail_value(page, "Attention level")).to_have_text("Normal: risk alerts only")
    expect(page.get_by_label("Attention level").locator("option:checked")).to_have_text("Normal: risk alerts only")
    page.get_by_label("Attention level").select_option(label="Off: no alerts")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/campaigns/products/{product.pk}/$"))
    expect(message(page)).to_have_text("Attention level saved.")
    expect(detail_value(page, "Attention level")).to_have_text("Off: no alerts")
    expect(page.get_by_label("Attention level").locator("option:checked")).to_have_text("Off: no alerts")
    product.refresh_from_db()
    assert product.attention == EnrolledProduct.Attention.OFF
    assert AuditEntry.objects.filter(action="product.attention").count() == 1

    # With attention off, a commission cut sends no alert.
    campaign_update(actor=owner, campaign=product.campaign, commission_rate=Decimal("10"))
    assert not Notification.objects.filter(recipient=alert_receiver, kind=Notification.Kind.COMMISSION_ALERT).exists()


# Effect data template ---------------------------------------------------------------------------


def test_effect_report_template_download(owner_page, live_server, tmp_path):
    page = owner_page
    page.goto(f"{live_server.url}/campaigns/reports/")
    page.get_by_role("link", name="Upload daily report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload daily report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the template").click()
    download = download_info.value
    assert download.suggested_filename == "effect-data-template.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [list(EFFECT_TEMPLATE_HEADER)]
    expect(page.locator("code")).to_have_text(", ".join(EFFECT_TEMPLATE_HEADER))

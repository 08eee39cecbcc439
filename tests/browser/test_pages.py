"""One main-path browser test per page not covered by the two acceptance flows.

Data comes from the services (``tests/personas.py``); every user-facing step goes through the
browser. Org chart of tenant ``acme``: Sales (sales_admin) > East (east_admin, plain_staff) >
East One (east_one_staff); Sales > West (west_staff, Publisher); Ops (ops_staff).
"""

import csv
import datetime
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import AuditEntry, Delivery, Notification, User
from accounts.services.notifications import notification_send
from campaigns.models import Campaign, EffectDaily, EnrolledProduct
from campaigns.services import campaign_create, effect_generate_demo, enrollment_submit
from tests.personas import hire

from .helpers import bind_account, bind_link_in_message, sidebar_links, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def staff_row(page, account_name):
    return page.locator(f'tr[data-account="{account_name}"]')


def message(page, kind="success"):
    return page.locator(f".message.{kind}")


def read_csv(download):
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def auto_campaign(owner, title, contact_person, product_id):
    """A whole-organisation campaign under automatic review with one product, approved to ``contact_person``."""
    today = timezone.localdate()
    campaign = campaign_create(
        actor=owner,
        tenant=owner.tenant,
        title=title,
        starts_on=today - datetime.timedelta(days=100),
        ends_on=today + datetime.timedelta(days=10),
        commission_rate=Decimal("20"),
        service_fee_rate=Decimal("5"),
        review_mode=Campaign.ReviewMode.AUTOMATIC,
        contact_person=contact_person,
        scope_whole_tenant=True,
    )
    product = enrollment_submit(
        campaign=campaign,
        shop_name="Crunchy Nuts Flagship Store",
        product_id=product_id,
        product_url="",
        title=f"Product {product_id}",
        price=Decimal("99.00"),
        proposed_commission_rate=Decimal("20"),
        merchant_contact="Ms Chen",
    )
    return campaign, product


@pytest.fixture
def owner_page(page, live_server, owner):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("current-user")).to_have_text(owner.username)
    return page


# Positions ------------------------------------------------------------------------------------


def test_positions_list_edit_and_delete(owner_page, live_server, org, plain_staff):
    page = owner_page
    sidebar_links(page).get_by_text("Positions", exact=True).click()
    clerk = page.locator('tr[data-position="Clerk"]')
    expect(clerk).to_contain_text("View campaigns only")
    expect(clerk.locator("td.num")).to_have_text("1")
    for label in ("View campaigns only", "Publish campaigns"):
        expect(page.locator('tr[data-position="Publisher"]')).to_contain_text(label)

    clerk.get_by_role("link", name="Clerk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit position Clerk")
    expect(page.get_by_label("Name")).to_have_value("Clerk")
    expect(page.get_by_label("View campaigns only — ")).to_be_checked()
    page.get_by_label("Description").fill("Reads and reviews campaigns")
    page.get_by_label("Review enrolled products — ").check()
    page.get_by_role("button", name="Save").click()
    expect(message(page)).to_have_text("Position Clerk saved.")
    expect(clerk).to_contain_text("Reads and reviews campaigns")
    for label in ("View campaigns only", "Review enrolled products"):
        expect(clerk).to_contain_text(label)
    assert User.objects.get(pk=plain_staff.pk).has_perm("orgchart.review_enrollments")

    # A position somebody holds cannot go; an unused one can.
    clerk.get_by_role("button", name="Delete").click()
    expect(message(page, "error")).to_have_text(
        "Clerk cannot be deleted: 1 staff account holds it."
    )
    page.locator('tr[data-position="Publisher"]').get_by_role("button", name="Delete").click()
    expect(message(page)).to_have_text("Position Publisher deleted.")
    expect(page.locator("tr[data-position]")).to_have_count(1)


# Staff list -----------------------------------------------------------------------------------


def test_staff_list_filters_and_search(
    owner_page, live_server, owner, org, east_admin, plain_staff, east_one_staff, west_staff, ops_staff
):
    page = owner_page
    hire(owner, "newbie", org.ops, org.clerk, bind=False)
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    rows = page.get_by_test_id("staff-table").locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(page.get_by_test_id("seats")).to_have_text("6 of 50 seats used.")

    # Department filter takes the whole subtree.
    page.locator("select[name=department]").select_option(label="Sales/East")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"department=\d+"))
    expect(rows).to_have_count(3)
    for name in ("east_admin", "plain_staff", "east_one_staff"):
        expect(staff_row(page, name)).to_be_visible()
    expect(staff_row(page, "east_admin")).to_contain_text("Admin")

    # Search narrows within the filter, by name or mobile.
    page.locator("input[name=q]").fill("plain")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=plain"))
    expect(rows).to_have_count(1)
    expect(staff_row(page, "plain_staff")).to_contain_text("Sales/East")
    page.locator("input[name=q]").fill(west_staff.mobile)
    page.locator("select[name=department]").select_option(label="---------")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"q={west_staff.mobile}&department=&"))
    expect(rows).to_have_count(1)
    expect(staff_row(page, "west_staff")).to_be_visible()

    # Position and status filters.
    page.locator("input[name=q]").fill("")
    page.locator("select[name=position]").select_option(label="Publisher")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=&department=&position=\d+"))
    expect(rows).to_have_count(1)
    expect(staff_row(page, "west_staff")).to_contain_text("Publisher")
    page.locator("select[name=position]").select_option(label="---------")
    page.locator("select[name=status]").select_option(label="Awaiting binding")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=pending"))
    expect(rows).to_have_count(1)
    expect(staff_row(page, "newbie")).to_contain_text("Awaiting binding")


def test_department_admin_lists_only_their_subtree(live_server, browser_as, org, east_admin, plain_staff, east_one_staff, west_staff):
    page = browser_as(east_admin.username)
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    expect(page.get_by_test_id("staff-table").locator("tbody tr")).to_have_count(3)
    expect(staff_row(page, "west_staff")).to_have_count(0)
    expect(page.locator("select[name=department] option")).to_have_text(["---------", "Sales/East", "Sales/East/East One"])
    expect(page.get_by_role("link", name="Add staff")).to_have_count(0)
    assert page.goto(f"{live_server.url}/staff/{west_staff.pk}/").status == 404


# Staff detail actions -------------------------------------------------------------------------


def test_offboard_then_rebind_to_a_new_person(owner_page, live_server, browser_as, org, plain_staff):
    page = owner_page
    page.goto(f"{live_server.url}/staff/")
    staff_row(page, "plain_staff").get_by_role("link", name="Plain Staff").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Active")
    page.get_by_role("button", name="Offboard (unbind)").click()
    expect(message(page)).to_have_text("The person is unbound; the account and its settings are kept.")
    expect(page.get_by_test_id("staff-status")).to_have_text("Resigned")

    # Gone from the staff list, listed under resigned staff with department and position kept.
    sidebar_links(page).get_by_text("Staff", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    expect(staff_row(page, "plain_staff")).to_have_count(0)
    sidebar_links(page).get_by_text("Resigned staff", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resigned staff")
    expect(staff_row(page, "plain_staff")).to_contain_text("Sales/East")
    expect(staff_row(page, "plain_staff")).to_contain_text("Clerk")

    # Re-bind the same account to a new person, who binds and logs in with the same login.
    staff_row(page, "plain_staff").get_by_role("link").click()
    page.get_by_role("link", name="Bind to a new person").click()
    page.get_by_label("New person's display name").fill("Wang Fang")
    page.get_by_label("New person's mobile").fill("13600001234")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Awaiting binding")
    link = bind_link_in_message(page)
    page.goto(f"{live_server.url}/staff/resigned/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resigned staff")
    expect(staff_row(page, "plain_staff")).to_have_count(0)

    newcomer = browser_as()
    bind_account(newcomer, link)
    expect(newcomer.locator(".message.success")).to_have_text("Your account is bound. Log in as acme:plain_staff.")
    sign_in(newcomer, live_server.url, "acme:plain_staff")
    expect(newcomer.get_by_test_id("dashboard-welcome")).to_contain_text("Welcome, Wang Fang")


def test_resend_and_revoke_an_invitation(owner_page, live_server, browser_as, owner, org):
    page = owner_page
    pending = hire(owner, "pending_pat", org.ops, org.clerk, bind=False)
    first_link = Notification.objects.get(recipient=pending).link
    page.goto(f"{live_server.url}/staff/{pending.pk}/")
    expect(page.get_by_test_id("invitation-state")).to_have_text(["Pending"])

    page.get_by_role("button", name="Resend invitation").click()
    new_link = bind_link_in_message(page)
    assert not new_link.endswith(first_link)
    expect(page.get_by_test_id("invitation-state")).to_have_text(["Pending", "Revoked"])

    page.get_by_role("button", name="Revoke invitation").click()
    expect(message(page)).to_have_text("The pending invitation is revoked.")
    expect(page.get_by_test_id("invitation-state")).to_have_text(["Revoked", "Revoked"])
    expect(page.get_by_role("button", name="Revoke invitation")).to_have_count(0)

    invitee = browser_as()
    for link in (live_server.url + first_link, new_link):
        assert invitee.goto(link).status == 404
        expect(invitee.get_by_test_id("bind-invalid")).to_be_visible()


def test_disable_blocks_login_and_enable_restores_it(owner_page, live_server, browser_as, org, ops_staff):
    page = owner_page
    page.goto(f"{live_server.url}/staff/{ops_staff.pk}/")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Disabled")

    staff = browser_as()
    sign_in(staff, live_server.url, ops_staff.username)
    expect(staff.locator(".form-errors")).to_have_text("This account has been disabled. Ask your main account to enable it.")

    page.get_by_role("button", name="Enable").click()
    expect(message(page)).to_have_text("The account is enabled again.")
    expect(page.get_by_test_id("staff-status")).to_have_text("Active")
    sign_in(staff, live_server.url, ops_staff.username)
    expect(staff.get_by_test_id("current-user")).to_have_text("Ops Staff")


# Permission preview and hand-over --------------------------------------------------------------


def test_permission_preview_names_each_source_and_the_scope(owner_page, live_server, owner, org):
    page = owner_page
    staff = hire(owner, "lead", org.east, org.clerk, admin=True, supplementary=("view_campaigns", "view_effect_data"))
    page.goto(f"{live_server.url}/staff/{staff.pk}/")
    page.get_by_role("link", name="Permission preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permission preview: Lead")
    table = page.get_by_test_id("effective-permissions")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.get_by_role("columnheader", name="Comes from")).to_be_visible()
    expect(table.locator('tr[data-permission="view_campaigns"] td').nth(2)).to_have_text("Position Clerk; Supplementary")
    expect(table.locator('tr[data-permission="view_effect_data"] td').nth(2)).to_have_text("Supplementary")
    expect(page.get_by_test_id("data-scope")).to_have_text(
        "As admin of Sales/East: own items plus those of everyone in Sales/East and its 1 sub-departments."
    )


def test_permission_preview_explains_why_a_campaign_or_product_is_seen(owner_page, live_server, west_staff, plain_staff):
    auto_campaign(west_staff, "West snacks week", west_staff, "20001")
    page = owner_page
    page.goto(f"{live_server.url}/staff/{plain_staff.pk}/permissions/")
    form = page.get_by_test_id("visibility-question")
    form.get_by_label("Object").select_option(label="Campaign")
    form.get_by_label("ID or title").fill("West snacks week")
    form.get_by_role("button", name="Explain").click()
    answer = page.get_by_test_id("visibility-answer")
    expect(answer).to_have_attribute("data-visible", "yes")
    expect(answer.get_by_role("listitem")).to_have_text(["The campaign is visible to the whole organisation."])

    form.get_by_label("Object").select_option(label="Enrolled product")
    form.get_by_label("ID or title").fill("20001")
    form.get_by_role("button", name="Explain").click()
    expect(answer).to_have_attribute("data-visible", "no")
    expect(answer).to_contain_text("Plain Staff cannot see it: no rule grants it.")

    form.get_by_label("ID or title").fill("99999")
    form.get_by_role("button", name="Explain").click()
    expect(page.locator('p.error[data-field="ref"]')).to_have_text(
        "No enrolled product of your organisation has this product ID or number."
    )
    expect(answer).to_have_count(0)


def test_hand_over_moves_campaigns_and_products(owner_page, live_server, owner, org, west_staff, plain_staff):
    page = owner_page
    campaign, product = auto_campaign(west_staff, "West snacks week", west_staff, "20001")
    assert product.contact_person == west_staff
    page.goto(f"{live_server.url}/staff/{west_staff.pk}/")
    page.get_by_role("link", name="Hand over").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hand over everything West Staff owns")
    expect(page.get_by_role("listitem").filter(has_text="Products as contact person")).to_have_text(
        "Products as contact person: 1"
    )
    page.get_by_label("Hand over to").select_option(label="Plain Staff (acme:plain_staff)")
    page.get_by_role("button", name="Hand over").click()
    expect(message(page)).to_have_text("3 items handed over to Plain Staff.")
    expect(page.locator("p.muted").filter(has_text="Owns")).to_have_text(
        "Owns: Campaigns created 0 · Campaigns as contact person 0 · Products as contact person 0"
        " · Open customer conversations 0"
    )

    page.goto(f"{live_server.url}/campaigns/products/{product.pk}/")
    expect(page.get_by_test_id("contact-person")).to_have_text("Plain Staff")
    campaign.refresh_from_db()
    assert (campaign.creator, campaign.contact_person) == (plain_staff, plain_staff)
    assert AuditEntry.objects.filter(action="staff.hand_over", target_label__contains="West Staff").exists()


# Inbox, deliveries, audit log -----------------------------------------------------------------


def test_inbox_open_a_message_and_mark_all_read(live_server, browser_as, org, plain_staff):
    notification_send(recipient=plain_staff, subject="Welcome to the East team", body="Say hello to Sales Admin.")
    page = browser_as(plain_staff.username)
    expect(page.get_by_test_id("unread-count")).to_have_text("2")  # this one and the binding invitation
    sidebar_links(page).get_by_text("Inbox", exact=True).click()
    expect(page.locator("tr.unread")).to_have_count(2)
    page.get_by_role("link", name="Welcome to the East team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the East team")
    expect(page.locator("article .body")).to_have_text("Say hello to Sales Admin.")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

    page.get_by_role("link", name="← Inbox").click()
    expect(page.locator("tr.unread")).to_have_count(1)
    page.get_by_role("button", name="Mark all as read").click()
    expect(message(page)).to_have_text("1 messages marked as read.")
    expect(page.locator("tr.unread")).to_have_count(0)
    expect(page.get_by_test_id("unread-count")).to_have_count(0)


def test_notification_deliveries_filter_and_retry(owner_page, live_server, org, plain_staff):
    page = owner_page
    notification = notification_send(recipient=plain_staff, subject="Commission cut on Mixed nuts", backends=["console"])
    Delivery.objects.filter(notification=notification, backend=Delivery.Backend.CONSOLE).update(
        status=Delivery.Status.FAILED, attempts=5, last_error="robot answered errcode 310000"
    )
    sidebar_links(page).get_by_text("Notification deliveries", exact=True).click()
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text="Commission cut on Mixed nuts")).to_contain_text("Failed")

    page.get_by_label("Status").select_option(label="Failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("robot answered errcode 310000")
    rows.get_by_role("button", name="Retry").click()
    expect(message(page)).to_have_text("The delivery has been queued again.")
    retried = rows.filter(has_text="Commission cut on Mixed nuts")
    expect(retried).to_contain_text("Sent")
    expect(retried.get_by_role("button", name="Retry")).to_have_count(0)
    assert AuditEntry.objects.filter(action="notification.retry").count() == 1


def test_audit_log_filter_and_csv_export(owner_page, live_server, owner, org, plain_staff):
    page = owner_page
    sidebar_links(page).get_by_text("Audit log", exact=True).click()
    actions = page.locator("table tbody td.action")  # the label; the action's code is nowhere on the page
    expect(actions.filter(has_text="Department created")).to_have_count(5)
    expect(page.locator("table tbody")).not_to_contain_text("department.create")

    page.get_by_label("Action").select_option(label="Staff account added")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=staff\.add"))
    expected = list(AuditEntry.objects.filter(tenant=owner.tenant, action="staff.add").values_list("action", flat=True))
    assert expected == ["staff.add"]
    expect(actions).to_have_text(["Staff account added"])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "audit-log.csv"
    header, *rows = read_csv(download)
    assert header == ["Time", "Actor", "Action", "Target", "Change", "IP address"]
    assert [row[2] for row in rows] == ["Staff account added"]
    assert "Display name: Plain Staff" in rows[0][4] and "display_name" not in rows[0][4]


# Campaign pages -------------------------------------------------------------------------------


@pytest.fixture
def effect_data(owner, org, west_staff, east_admin):
    """Two approved products, contact persons in Sales/West and Sales/East, with 90 days of data."""
    auto_campaign(owner, "West snacks week", west_staff, "30001")
    auto_campaign(owner, "East tea festival", east_admin, "30002")
    effect_generate_demo(tenant=owner.tenant, days=90)
    return EffectDaily.objects.filter(tenant=owner.tenant)


def test_effect_report_by_department_for_90_days_with_export(owner_page, live_server, effect_data):
    page = owner_page
    sidebar_links(page).get_by_text("Effect reports", exact=True).click()
    page.get_by_label("Group by").select_option(label="Department")
    page.get_by_label("Period").select_option(label="Last 90 days")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"by=department&days=90"))

    expect(page.get_by_test_id("trend-chart").locator("svg")).to_be_visible()
    # this period and the previous one, for comparison
    expect(page.get_by_test_id("trend-chart").locator("svg polyline")).to_have_count(2)
    totals = effect_data.aggregate(clicks=Sum("clicks"))
    expect(page.get_by_test_id("report-totals").locator('[data-total="clicks"]')).to_have_text(f'{totals["clicks"]:,}')
    table = page.get_by_test_id("report-table")
    expect(table.locator("thead th").first).to_have_text("Department")
    expect(table.locator("tbody tr")).to_have_count(2)
    for path in ("Sales/East", "Sales/West"):
        expect(table.locator("tbody td:first-child").filter(has_text=path)).to_have_text(path)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"effect-department-\d{8}-\d{8}\.csv", download.suggested_filename)
    header, *rows = read_csv(download)
    assert header[:2] == ["Department", "Clicks"]
    assert sorted(row[0] for row in rows) == ["Sales/East", "Sales/West", "Total"]
    assert next(row for row in rows if row[0] == "Total")[1] == str(totals["clicks"])


def test_effect_upload_shows_row_errors_then_stores_a_good_file(owner_page, live_server, owner, org, west_staff):
    page = owner_page
    campaign, product = auto_campaign(owner, "West snacks week", west_staff, "40001")
    today = timezone.localdate().isoformat()
    header = "日期,活动ID,商品ID,点击数,付款笔数,付款金额,预估服务费\n"
    good = f"{today},{campaign.pk},{product.product_id},120,3,297.00,2.97\n"
    bad = f"2025-13-01,{campaign.pk},{product.product_id},120,3,297.00,2.97\n" + f"{today},{campaign.pk},99999,x,1,5,0.1\n"

    page.goto(f"{live_server.url}/campaigns/reports/")
    page.get_by_role("link", name="Upload daily report").click()
    page.get_by_label("Daily report (CSV)").set_input_files(
        files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": (header + good + bad).encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error[data-field=file]")).to_have_text("Nothing was stored: 2 rows have errors.")
    errors = page.get_by_test_id("row-errors").locator("tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td").first).to_have_text("3")
    expect(errors.nth(1).locator("td").first).to_have_text("4")
    expect(errors.nth(0)).to_contain_text("is not YYYY-MM-DD")
    expect(errors.nth(1)).to_contain_text("product 99999 is not an approved product")
    expect(errors.nth(1)).to_contain_text("点击数 'x' is not a whole number of 0 or more")
    assert not EffectDaily.objects.exists()

    page.get_by_label("Daily report (CSV)").set_input_files(
        files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": (header + good).encode("gbk")}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(r"/campaigns/reports/$"))
    expect(message(page)).to_have_text("1 rows of effect data stored.")
    expect(page.get_by_test_id("report-totals").locator('[data-total="clicks"]')).to_have_text("120")


def test_official_campaigns_list(live_server, browser_as, org, plain_staff, ops_staff):
    today = timezone.localdate()
    Campaign.objects.create(
        is_official=True,
        title="Tmall 11.11 official",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=20),
        commission_rate=Decimal("10"),
        service_fee_rate=Decimal("3"),
    )
    page = browser_as(plain_staff.username)
    sidebar_links(page).get_by_text("Official campaigns", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Official campaigns")
    expect(page.get_by_role("link", name="Publish campaign")).to_have_count(0)
    row = page.locator('tr[data-campaign="Tmall 11.11 official"]')
    expect(row).to_contain_text("10.00%")
    row.get_by_role("link", name="Tmall 11.11 official").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Official")
    expect(page.get_by_test_id("public-link")).to_have_count(0)
    assert not EnrolledProduct.objects.exists()


# Language -------------------------------------------------------------------------------------


def test_language_switch_to_chinese_turns_the_menu_chinese(owner_page, live_server):
    page = owner_page
    expect(sidebar_links(page).first).to_have_text("Dashboard")
    page.locator("#lang-select").select_option(label="简体中文")
    page.get_by_role("button", name="Switch").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    links = sidebar_links(page)
    for text in ("工作台", "站内信", "我要招商", "组织架构", "操作日志"):
        expect(links.get_by_text(text, exact=True)).to_be_visible()
    expect(links.get_by_text("Dashboard", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")

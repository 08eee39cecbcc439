"""Acceptance of issue 17 items 1–3 in Chromium: the owner's dashboard shows a pending review and
a failed delivery and their links resolve them; the report's chart switches figure and shows a
value on hover; money reads 9,860.47 in both languages (run on SQLite and on PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Delivery, Notification
from campaigns import rollups
from campaigns.models import Campaign, EffectDaily
from campaigns.services import campaign_create, enrollment_approve, enrollment_submit

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def make_campaign(owner, title):
    today = timezone.localdate()
    return campaign_create(
        actor=owner,
        tenant=owner.tenant,
        title=title,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
        commission_rate=Decimal("20"),
        service_fee_rate=Decimal("5"),
        review_mode=Campaign.ReviewMode.MANUAL,
        contact_person=None,
        scope_whole_tenant=True,
    )


def enroll(campaign, product_id, title):
    return enrollment_submit(
        campaign=campaign,
        shop_name="Crunchy Nuts Flagship Store",
        product_id=product_id,
        product_url="",
        title=title,
        price=Decimal("1234.50"),
        proposed_commission_rate=Decimal("20"),
        merchant_contact="Ms Chen",
    )


@pytest.fixture
def owner_page(page, live_server, owner):
    sign_in(page, live_server.url, owner.username)
    expect(page.get_by_test_id("current-user")).to_have_text(owner.username)
    return page


def test_the_owners_dashboard_leads_to_what_needs_doing(owner_page, live_server, owner, org):
    page = owner_page
    enroll(make_campaign(owner, "Double 11 snacks"), "6512345678", "Mixed nuts 500 g")
    notification = Notification.objects.create(tenant=owner.tenant, recipient=owner, subject="Invitation for Li Lei")
    Delivery.objects.create(
        tenant=owner.tenant,
        notification=notification,
        backend=Delivery.Backend.CONSOLE,
        status=Delivery.Status.FAILED,
        attempts=3,
        last_error="connection refused",
    )

    page.goto(f"{live_server.url}/")
    reviews = page.get_by_test_id("panel-pending-reviews")
    expect(reviews.locator("[data-count]")).to_have_text("1")
    expect(reviews).to_contain_text("Mixed nuts 500 g")
    expect(reviews).to_contain_text("Double 11 snacks")
    deliveries = page.get_by_test_id("panel-failed-deliveries")
    expect(deliveries.locator("[data-count]")).to_have_text("1")
    expect(deliveries).to_contain_text("Invitation for Li Lei")

    # The pending review's link opens the pending products, where it is approved.
    reviews.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    row = page.locator('tr[data-product="6512345678"]')
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".message.success")).to_contain_text("Approved")

    # The failed delivery's link opens the deliveries page, where it is retried.
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("panel-failed-deliveries").get_by_role("link", name="Retry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification deliveries")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".message.success")).to_have_text("The delivery has been queued again.")

    # Both are resolved: the dashboard says so.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("panel-pending-reviews").locator("[data-count]")).to_have_text("0")
    expect(page.get_by_test_id("panel-pending-reviews")).to_contain_text("No product is waiting for review.")
    expect(page.get_by_test_id("panel-failed-deliveries").locator("[data-count]")).to_have_text("0")
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SENT


@pytest.fixture
def effects(owner, org):
    """An approved product with three days of figures: 9,860.47 paid in all, 363.69 of fee."""
    product = enroll(make_campaign(owner, "Double 11 snacks"), "6512345678", "Mixed nuts 500 g")
    enrollment_approve(actor=owner, product=product)
    today = timezone.localdate()
    for offset, amount in enumerate(("3286.82", "3286.83", "3286.82")):
        EffectDaily.objects.create(
            tenant=owner.tenant,
            product=product,
            campaign=product.campaign,
            date=today - datetime.timedelta(days=offset),
            clicks=1200 + offset,
            paid_orders=3,
            paid_amount=Decimal(amount),
            estimated_service_fee=Decimal("121.23"),
        )
    rollups.refresh_tenant(owner.tenant.pk)
    return product


def test_the_chart_switches_figure_and_shows_a_value_on_hover(owner_page, live_server, effects):
    page = owner_page
    today = timezone.localdate().isoformat()
    page.goto(f"{live_server.url}/campaigns/reports/?days=7")

    expect(page.locator('[data-total="paid_amount"]')).to_have_text("9,860.47")
    expect(page.locator('[data-total="estimated_service_fee"]')).to_have_text("363.69")
    expect(page.locator('[data-total="clicks"]')).to_have_text("3,603")
    expect(page.get_by_test_id("report-table").locator("tfoot")).to_contain_text("9,860.47")
    chart = page.get_by_test_id("trend-chart")
    expect(chart.locator("svg")).to_have_attribute("data-figure", "paid_amount")

    page.get_by_test_id("figure-switch").get_by_role("link", name="Clicks").click()
    expect(chart.locator("svg")).to_have_attribute("data-figure", "clicks")
    expect(chart.locator("svg .axis-label").first).to_have_text("Clicks")
    expect(chart.locator("svg .legend-item")).to_have_text(["Last 7 days", "The 7 days before"])
    expect(page.get_by_test_id("report-table")).to_be_visible()  # the table stays below

    chart.locator('circle.point[data-series="current"]').last.hover()
    tooltip = page.get_by_test_id("chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(f"{today} · Clicks: 1,200 (Last 7 days)")


def test_the_report_shows_grouped_money_in_chinese(owner_page, live_server, effects):
    page = owner_page
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/campaigns/reports/?days=7")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator('[data-total="paid_amount"]')).to_have_text("9,860.47")
    expect(page.get_by_test_id("report-table").locator("tfoot")).to_contain_text("9,860.47")
    expect(page.locator('[data-total="clicks"]')).to_have_text("3,603")


def test_a_new_tenants_first_steps_tick_themselves_until_the_checklist_goes(owner_page, live_server):
    """Issue 26: the checklist leads a new main account from step to step, each link to the page
    where it is done, each tick read from what was really created."""
    from tests.personas import accept_invitation

    from .helpers import bind_link_in_message

    page = owner_page
    url = live_server.url
    checklist = page.get_by_test_id("panel-first-steps")

    def ticked():
        page.goto(f"{url}/")
        return [
            key
            for key in ("dingtalk", "departments", "positions", "staff", "binding", "campaign")
            if checklist.locator(f'[data-step="{key}"]').get_attribute("data-done") == "yes"
        ]

    assert ticked() == ["dingtalk"]
    expect(page.get_by_test_id("first-steps-progress")).to_have_text("1 of 6 done")

    checklist.get_by_role("link", name="Add your departments").click()
    page.get_by_label("Name").fill("Sales")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("Department Sales created.")
    # The department's row adds staff with the department preselected (item 7).
    department_row = page.locator('li[data-department="Sales"] > .node')
    assert ticked() == ["dingtalk", "departments"]

    checklist.get_by_role("link", name="Add positions and their rights").click()
    page.get_by_label("Name").fill("Campaign staff")
    page.get_by_label("Publish campaigns — ").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("Position Campaign staff saved.")
    assert ticked() == ["dingtalk", "departments", "positions"]

    page.goto(f"{url}/orgchart/")
    department_row.get_by_role("link", name="Add staff here").click()
    expect(page.get_by_label("Department", exact=True).locator("option:checked")).to_have_text("Sales")
    page.get_by_label("Display name").fill("Xiao Li")
    page.get_by_label("Account name").fill("ＸｉａｏＬｉ")  # full width and upper case (item 6)
    page.get_by_label("Mobile (DingTalk)").fill("13912345678")
    page.get_by_label("Position").select_option(label="Campaign staff")
    page.get_by_role("button", name="Add and send invitation").click()
    link = bind_link_in_message(page)
    assert ticked() == ["dingtalk", "departments", "positions", "staff"]

    accept_invitation(link)  # the employee binds (its browser side is test_org_and_staff's)
    assert ticked() == ["dingtalk", "departments", "positions", "staff", "binding"]

    checklist.get_by_role("link", name="Publish your first campaign").click()
    page.get_by_label("Title").fill("Spring snacks")
    page.get_by_label("Starts on").fill(timezone.localdate().isoformat())
    page.get_by_label("Ends on").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_label("Commission rate (%)").fill("20")
    page.get_by_label("Service fee rate (%)").fill("5")
    page.get_by_label("Visible to the whole organisation").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text("Campaign Spring snacks published.")

    page.goto(f"{url}/")
    expect(page.get_by_test_id("dashboard-welcome")).to_be_visible()
    expect(checklist).to_have_count(0)  # every step done: the checklist makes way for the work

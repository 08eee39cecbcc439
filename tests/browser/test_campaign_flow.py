"""Acceptance of the campaigns issue (R-23 … R-28) through the browser: a publisher scopes a
campaign to one department, a merchant enrolls on the public page, the first in-scope reviewer
approves and becomes contact person, and from then on only the contact person, the department
admins above them and the main account see the product."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign, EnrolledProduct
from orgchart.services import position_create
from tests.factories import PASSWORD
from tests.personas import catalogue, hire

from .helpers import sidebar_links

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCT_ID = "6512345678"


@pytest.fixture
def reviewers(owner, org):
    """Two reviewers in Sales/East, the department the campaign is scoped to."""
    reviewer = position_create(
        actor=owner,
        tenant=owner.tenant,
        name="Reviewer",
        permissions=catalogue("view_campaigns", "review_enrollments"),
    )
    return hire(owner, "reviewer_a", org.east, reviewer), hire(owner, "reviewer_b", org.east, reviewer)


def product_row(page):
    return page.locator(f'tr[data-product="{PRODUCT_ID}"]')


def test_publish_enroll_approve_and_who_sees_the_product(
    page, live_server, login, browser_as, owner, org, west_staff, sales_admin, reviewers
):
    url = live_server.url
    reviewer, other_reviewer = reviewers
    today = timezone.localdate()

    # A staff member with "Publish campaigns" publishes a campaign scoped to Sales/East.
    publisher = browser_as(west_staff.username)
    sidebar_links(publisher).get_by_text("Campaigns", exact=True).click()
    publisher.get_by_role("link", name="Publish campaign").click()
    publisher.get_by_label("Title").fill("Double 11 snacks")
    publisher.get_by_label("Description").fill("Snacks with at least 20% commission.")
    publisher.get_by_label("Starts on").fill((today - datetime.timedelta(days=1)).isoformat())
    publisher.get_by_label("Ends on").fill((today + datetime.timedelta(days=30)).isoformat())
    publisher.get_by_label("Commission rate (%)").fill("20")
    publisher.get_by_label("Service fee rate (%)").fill("5")
    publisher.get_by_label("Review mode").select_option(label="Manual review")
    publisher.get_by_label("Campaign contact person").select_option(label=f"{west_staff.label} ({west_staff.username})")
    expect(publisher.get_by_label("Open for enrollment")).to_be_checked()
    expect(publisher.get_by_label("Visible to the whole organisation")).not_to_be_checked()
    publisher.get_by_label("Sales/East", exact=True).check()
    publisher.get_by_role("button", name="Save").click()
    expect(publisher.locator(".message.success")).to_have_text("Campaign Double 11 snacks published.")
    expect(publisher.get_by_role("heading", level=1)).to_have_text("Double 11 snacks")
    campaign = Campaign.objects.get(title="Double 11 snacks")
    assert campaign.creator == west_staff
    assert [d.path for d in campaign.scope_departments.all()] == ["Sales/East"]
    # The page says who sees it and the 活动ID the effect report needs (issue 26).
    expect(publisher.get_by_test_id("campaign-audience")).to_contain_text("Staff with a campaign right in East")
    expect(publisher.get_by_test_id("campaign-id")).to_have_text(str(campaign.pk))
    public_url = publisher.get_by_test_id("public-link").get_attribute("href")
    assert public_url.endswith(f"/campaigns/enroll/{campaign.public_token}/")

    # A merchant, not logged in anywhere, enrolls a product on the public page.
    merchant = browser_as()
    merchant.goto(public_url)
    expect(merchant.get_by_role("heading", level=1)).to_have_text("Double 11 snacks")
    expect(merchant.locator("nav.sidebar")).to_have_count(0)
    # The merchant sees whom to contact: the campaign contact person (活动联系人), with a mobile.
    expect(merchant.get_by_test_id("campaign-contact")).to_contain_text(f"Campaign contact person: {west_staff.label}")
    expect(merchant.get_by_test_id("campaign-contact")).to_contain_text(west_staff.mobile)
    merchant.get_by_label("Shop name").fill("Crunchy Nuts Flagship Store")
    merchant.get_by_label("Product ID").fill(PRODUCT_ID)
    merchant.get_by_label("Product link").fill(f"https://item.taobao.com/item.htm?id={PRODUCT_ID}")
    merchant.get_by_label("Product title").fill("Mixed nuts 500 g")
    merchant.get_by_label("Price (¥)").fill("59.90")
    merchant.get_by_label("Proposed commission rate (%)").fill("25")
    merchant.get_by_label("Merchant contact").fill("Ms Chen 13700001111")
    merchant.get_by_role("button", name="Enroll").click()
    expect(merchant.get_by_test_id("enroll-done")).to_have_text("Your product is enrolled and awaits review.")
    product = EnrolledProduct.objects.get(campaign=campaign, product_id=PRODUCT_ID)
    assert product.status == EnrolledProduct.Status.PENDING

    # While pending, both in-scope reviewers see it with the review buttons.
    second = browser_as(other_reviewer.username)
    second.goto(f"{url}/campaigns/{campaign.pk}/")
    expect(product_row(second)).to_contain_text("Pending review")
    expect(product_row(second).get_by_role("button", name="Approve")).to_be_visible()

    # The first reviewer approves on the campaign page and becomes the contact person.
    first = browser_as(reviewer.username)
    sidebar_links(first).get_by_text("Campaigns", exact=True).click()
    first.get_by_role("link", name="Double 11 snacks").click()
    product_row(first).get_by_role("button", name="Approve").click()
    expect(first.locator(".message.success")).to_have_text("Approved. You are now the contact person of this product.")
    expect(first).to_have_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(product_row(first)).to_contain_text("Approved")
    expect(product_row(first)).to_contain_text("Reviewer A")
    expect(product_row(first).get_by_role("button")).to_have_count(0)
    product.refresh_from_db()
    assert product.contact_person == reviewer

    # The other in-scope reviewer no longer sees it: not on the campaign, not in the list, 404 by URL.
    second.reload()
    expect(second.get_by_role("heading", level=1)).to_have_text("Double 11 snacks")
    expect(product_row(second)).to_have_count(0)
    second.goto(f"{url}/campaigns/products/")
    expect(second.get_by_test_id("result-count")).to_have_text("0 products")
    expect(product_row(second)).to_have_count(0)
    assert second.goto(f"{url}/campaigns/products/{product.pk}/").status == 404

    # The department admin above the contact person (Sales, above Sales/East) sees it …
    admin = browser_as(sales_admin.username)
    admin.goto(f"{url}/campaigns/products/")
    expect(product_row(admin)).to_contain_text("Reviewer A")
    product_row(admin).get_by_role("link", name="Mixed nuts 500 g").click()
    expect(admin.get_by_test_id("product-status")).to_have_text("Approved")
    expect(admin.get_by_test_id("contact-person")).to_have_text("Reviewer A")

    # … and so does the main account.
    login(owner.username, PASSWORD)
    sidebar_links(page).get_by_text("Campaigns", exact=True).click()
    page.get_by_role("link", name="Double 11 snacks").click()
    expect(product_row(page)).to_contain_text("Reviewer A")
    page.goto(f"{url}/campaigns/products/{product.pk}/")
    expect(page.get_by_test_id("contact-person")).to_have_text("Reviewer A")

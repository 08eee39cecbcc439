"""The dashboard's campaign items (issue 17): pending reviews and effect figures, each read
through ``campaigns.visibility`` exactly as the product list and the report read them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import rollups
from campaigns.models import EffectDaily

from tests.personas import enroll

DASHBOARD = reverse("accounts:dashboard")


def panel(page, name):
    match = re.search(rf'<section class="panel" data-testid="panel-{name}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


def dashboard_of(client, user):
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def count_in(html):
    return re.search(r"data-count>([^<]*)<", html).group(1)


def figure(html, key, period):
    row = re.search(rf'<tr data-figure="{key}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'data-{"period" if period in ("today", "week") else "change"}="{period.replace("change_", "")}">([^<]*)<', row).group(1)


# Pending reviews: reviewers count only campaigns in their scope (R-27, R-28) ---------------------


@pytest.mark.parametrize(
    "persona, titles",
    [
        ("owner", {"P-pending", "P-creator-pending"}),
        ("reviewer_in", {"P-pending"}),  # 一组 is inside C-dept's scope (服饰组), not C-creator's (客服部)
        ("outsider", {"P-creator-pending"}),  # a reviewer in 客服部
        ("other_staff", set()),  # another tenant: holds every right, sees none of acme's
    ],
)
def test_pending_reviews_within_the_viewers_scope(client, world, persona, titles):
    reviews = panel(dashboard_of(client, getattr(world, persona)), "pending-reviews")

    shown = set(re.findall(r'<a href="/campaigns/products/\d+/">([^<]+)</a>', reviews))
    assert shown == titles
    assert count_in(reviews) == str(len(titles))


@pytest.mark.parametrize("persona", ["viewer_in", "bare_in", "admin_l1"])
def test_no_review_right_no_pending_reviews(client, world, persona):
    page = dashboard_of(client, getattr(world, persona))
    assert panel(page, "pending-reviews") == ""
    assert "P-pending" not in page and "P-creator-pending" not in page


def test_the_pending_count_is_capped(client, world, settings):
    for index in range(101):
        enroll(world.c_dept, f"20{index:05d}", f"Bulk {index}")
    reviews = panel(dashboard_of(client, world.owner), "pending-reviews")
    assert count_in(reviews) == "99+"
    assert len(re.findall("<li>", reviews)) == 5


def test_the_pending_reviews_link_to_the_list_that_resolves_them(client, world):
    reviews = panel(dashboard_of(client, world.reviewer_in), "pending-reviews")
    link = re.search(r'href="([^"]*status=pending)"', reviews).group(1)
    products = client.get(link).content.decode()
    assert "P-pending" in products and "Approve" in products


# Effect figures: today and 7 days against the week before, within the data scope (R-31) ----------


def test_figures_of_the_owner_against_the_week_before(client, world):
    # world: today 100 + 1,000 (legacy, the owner's), yesterday 50. Add 8 days ago: 400, and the
    # same weekday a week ago: 550.
    for offset, amount in ((8, "400"), (7, "550")):
        EffectDaily.objects.create(
            tenant=world.tenant,
            product=world.p_approved,
            campaign=world.c_dept,
            date=timezone.localdate() - datetime.timedelta(days=offset),
            clicks=5,
            paid_orders=1,
            paid_amount=Decimal(amount),
            estimated_service_fee=Decimal("0.5"),
        )
    rollups.refresh_tenant(world.tenant.pk)

    figures = panel(dashboard_of(client, world.owner), "figures")

    assert figure(figures, "paid_amount", "today") == "1,100.00"
    assert figure(figures, "paid_amount", "change_today") == "+100.0%"  # 1,100 against 550
    assert figure(figures, "paid_amount", "week") == "1,150.00"
    assert figure(figures, "paid_amount", "change_week") == "+21.1%"  # 1,150 against 950
    assert figure(figures, "clicks", "week") == "30"
    assert figure(figures, "clicks", "change_week") == "+200.0%"
    assert figure(figures, "estimated_service_fee", "change_today") == "+300.0%"
    assert f'href="{reverse("campaigns:report")}?days=7"' in figures


def test_figures_of_staff_cover_only_their_scope(client, world):
    # admin_l1 oversees the approved product's contact person: 100 today, 150 in 7 days; never
    # the owner's legacy product (1,000) nor the other tenant's (7).
    figures = panel(dashboard_of(client, world.admin_l1), "figures")
    assert figure(figures, "paid_amount", "today") == "100.00"
    assert figure(figures, "paid_amount", "week") == "150.00"
    assert figure(figures, "paid_amount", "change_week") == "—"  # nothing the week before

    own = panel(dashboard_of(client, world.viewer_in), "figures")  # reads effects, contact of nothing
    assert figure(own, "paid_amount", "week") == "0.00"


@pytest.mark.parametrize("persona", ["bare_in", "publisher_in"])
def test_no_effect_right_no_figures(client, world, persona):
    assert panel(dashboard_of(client, getattr(world, persona)), "figures") == ""


def test_a_reviewers_dashboard_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for index in range(30):
        enroll(world.c_dept, f"30{index:05d}", f"More {index}")
    client.force_login(world.reviewer_in)
    with django_assert_max_num_queries(13):
        response = client.get(DASHBOARD)
    page = response.content.decode()
    assert panel(page, "pending-reviews") and panel(page, "figures")


def test_the_owners_dashboard_with_campaign_items_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for index in range(30):
        enroll(world.c_dept, f"30{index:05d}", f"More {index}")
    client.force_login(world.owner)
    with django_assert_max_num_queries(17):
        response = client.get(DASHBOARD)
    assert panel(response.content.decode(), "pending-reviews")

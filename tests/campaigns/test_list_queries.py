"""Pages keep a flat query count whatever the number of rows they list (R-41, STYLE 7)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import rollups, services, windows
from campaigns.models import EffectDaily

from tests.personas import campaign, enroll

# The most queries each page may take, for any number of rows: measured (owner / reviewer_in:
# list 5/7, products 5/8, detail 6/9, report 6/8) plus a little headroom.
BOUNDS = {
    "list": 9,
    "products": 10,
    "detail": 11,
    "report": 11,
    "report-period-totals": 11,
}

_serial = iter(range(10_000, 99_999))


def add_rows(world, count):
    """``count`` more campaigns in 服饰组's scope, each with a pending and an approved product
    (approved by reviewer_in) and a day of effect data on the approved one."""
    today = timezone.localdate()
    for _ in range(count):
        n = next(_serial)
        extra = campaign(world.owner, f"Extra {n}", scope_departments=[world.departments.fushi])
        enroll(world.c_dept, f"9{n}1", f"Pending {n}")
        enroll(extra, f"9{n}2", f"Pending {n} b")
        approved = services.enrollment_approve(actor=world.reviewer_in, product=enroll(extra, f"9{n}3", f"Approved {n}"))
        EffectDaily.objects.create(
            tenant=world.tenant,
            product=approved,
            campaign=extra,
            date=today - datetime.timedelta(days=n % 20),
            clicks=5,
            paid_orders=1,
            paid_amount=Decimal("10"),
            estimated_service_fee=Decimal("1"),
        )
    rollups.refresh_tenant(world.tenant.pk)


def pages(world):
    return {
        "list": reverse("campaigns:list"),
        "products": reverse("campaigns:products"),
        "detail": reverse("campaigns:detail", args=[world.c_dept.pk]),
        "report": reverse("campaigns:report") + "?by=campaign&days=30",
        "report-period-totals": reverse("campaigns:report") + "?by=campaign&days=30",
    }


def measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


@pytest.mark.parametrize("persona", ["owner", "reviewer_in"])
@pytest.mark.parametrize("page", list(BOUNDS))
def test_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries, persona, page):
    user = world.owner if persona == "owner" else world.reviewer_in
    client.force_login(user)
    url = pages(world)[page]

    add_rows(world, 3)
    if page == "report-period-totals":
        windows.rebuild(world.tenant.pk)
    client.get(url)  # the day's first report also asks for the period totals' rebuild: not counted
    with django_assert_max_num_queries(BOUNDS[page]):
        few, few_response = measure(client, url)
    add_rows(world, 40)
    if page == "report-period-totals":
        windows.rebuild(world.tenant.pk)
    with django_assert_max_num_queries(BOUNDS[page]):
        many, many_response = measure(client, url)

    assert many == few, f"{page} for {persona}: {few} queries with few rows, {many} with many"
    # the second measurement really had more rows to show
    if page.startswith("report"):
        assert len(many_response.context["report"]["rows"]) > len(few_response.context["report"]["rows"]) > 1
    else:
        few_page, many_page = few_response.context["page_obj"], many_response.context["page_obj"]
        assert many_page.paginator.count > few_page.paginator.count > 1
        assert len(many_page.object_list) == min(many_page.paginator.count, 25)

# Anonymous visitors and everyone else: tests/test_url_access.py, derived from the URL configuration.


@pytest.mark.parametrize("persona", ["owner", "reviewer_in"])
@pytest.mark.parametrize("page", ["list", "products"])
def test_deeper_pages_read_the_visible_rows_in_order(client, world, persona, page):
    """The list pages take a page's ids from the visible rows and read the shown columns for
    those ids only (``CappedPaginator(keys_from=…)``): every page holds the next visible rows
    in order, and a page past the end shows the last one."""
    from campaigns.visibility import campaigns_visible_to, products_visible_to

    user = world.owner if persona == "owner" else world.reviewer_in
    add_rows(world, 25)
    client.force_login(user)
    visible = campaigns_visible_to(user) if page == "list" else products_visible_to(user)
    expected = list(visible.order_by("-id").values_list("pk", flat=True))
    assert len(expected) > 25

    shown = []
    for number in (1, 2):
        response = client.get(pages(world)[page], {"page": number})
        shown += [row.pk for row in response.context["page_obj"].object_list]
    assert shown == expected[:50]

    past_the_end = client.get(pages(world)[page], {"page": 99}).context["page_obj"]
    assert [row.pk for row in past_the_end.object_list] == expected[(past_the_end.number - 1) * 25 :][:25]

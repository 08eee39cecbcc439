"""``utilities.pagination.folded_capped_page``: a capped page and its count in one query."""

import pytest
from django.test import RequestFactory

from accounts.models import Tenant
from utilities.pagination import capped_page, folded_capped_page

pytestmark = pytest.mark.django_db


def _tenants(count):
    Tenant.objects.bulk_create([Tenant(slug=f"shop{n:03d}", name=f"Shop {n:03d}") for n in range(count)])
    return Tenant.objects.filter(slug__startswith="shop").order_by("slug")


def _page(function, queryset, page=None, **kwargs):
    request = RequestFactory().get("/", {} if page is None else {"page": page})
    return function(request, queryset, **kwargs)


@pytest.mark.parametrize("page", [None, "1", "2", "3", "4", "99", "0", "-1", "abc", ""])
@pytest.mark.parametrize("count,cap", [(0, 10), (7, 10), (12, 10), (10, 10), (11, 10)])
def test_the_folded_page_is_the_capped_page(count, cap, page):
    tenants = _tenants(count)

    folded = _page(folded_capped_page, tenants, page, per_page=3, cap=cap)
    plain = _page(capped_page, tenants, page, per_page=3, cap=cap)

    assert folded.number == plain.number
    assert [t.slug for t in folded.object_list] == [t.slug for t in plain.object_list]
    assert (folded.paginator.count, folded.paginator.is_capped) == (plain.paginator.count, plain.paginator.is_capped)
    assert folded.paginator.num_pages == plain.paginator.num_pages


def test_a_page_with_rows_costs_one_query(django_assert_num_queries):
    tenants = _tenants(12)

    with django_assert_num_queries(1):
        page = _page(folded_capped_page, tenants, "2", per_page=5, cap=10)
        rows = [t.slug for t in page.object_list]

    assert rows == [f"shop{n:03d}" for n in range(5, 10)]
    assert (page.paginator.count, page.paginator.is_capped, page.has_next()) == (10, True, False)

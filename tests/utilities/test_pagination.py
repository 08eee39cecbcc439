"""``utilities.pagination``: capped pages, folded into one query or keyed by their first ids."""

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


@pytest.mark.parametrize("page", [None, "1", "2", "3", "4", "99", "0", "abc"])
@pytest.mark.parametrize("count,cap", [(0, 10), (7, 10), (12, 10), (10, 10), (11, 10)])
def test_the_keyed_page_is_the_capped_page(count, cap, page):
    """``keys_from``: the count and the page's ids come from the same ``cap + 1`` keys; the page
    then holds the same rows, in the same order, as slicing the list itself."""
    tenants = _tenants(count)
    columns = Tenant.objects.order_by("slug").values_list("slug", "name")

    keyed = _page(capped_page, columns, page, per_page=3, cap=cap, keys_from=tenants)
    plain = _page(capped_page, tenants, page, per_page=3, cap=cap)

    assert keyed.number == plain.number
    assert [slug for slug, _name in keyed.object_list] == [t.slug for t in plain.object_list]
    assert (keyed.paginator.count, keyed.paginator.is_capped) == (plain.paginator.count, plain.paginator.is_capped)
    assert keyed.paginator.num_pages == plain.paginator.num_pages


def test_a_keyed_page_reads_its_keys_once(django_assert_num_queries):
    """Two queries: the first ``cap + 1`` keys (the count and the page's ids), then the page's rows
    by those ids alone; ``keys_from``'s filter (here the ``slug LIKE``) is evaluated once, not again
    as a subquery of the rows' query."""
    tenants = _tenants(12)
    columns = Tenant.objects.order_by("slug").values_list("slug", flat=True)

    with django_assert_num_queries(2) as queries:
        page = _page(capped_page, columns, "2", per_page=5, cap=10, keys_from=tenants)
        rows = list(page.object_list)

    keys_sql, rows_sql = (query["sql"].upper() for query in queries.captured_queries)
    assert "LIKE" in keys_sql and "LIKE" not in rows_sql
    assert rows == [f"shop{n:03d}" for n in range(5, 10)]
    assert (page.paginator.count, page.paginator.is_capped, page.has_next()) == (10, True, False)


@pytest.mark.parametrize("page", [None, "1", "2", "4", "99", "0", "abc"])
@pytest.mark.parametrize("count,cap", [(0, 10), (7, 10), (11, 10)])
def test_keys_read_by_a_callable_make_the_same_page(count, cap, page):
    """``keys_from`` as a callable ``keys(limit)`` (a compiled statement's ids): asked for
    ``cap + 1`` keys once, it gives the same count, cap mark and rows as the queryset's keys."""
    tenants = _tenants(count)
    columns = Tenant.objects.order_by("slug").values_list("slug", "name")
    asked = []

    def keys(limit):
        asked.append(limit)
        return list(tenants.values_list("pk", flat=True)[:limit])

    called = _page(capped_page, columns, page, per_page=3, cap=cap, keys_from=keys)
    keyed = _page(capped_page, columns, page, per_page=3, cap=cap, keys_from=tenants)

    assert asked == [cap + 1]
    assert called.number == keyed.number
    assert list(called.object_list) == list(keyed.object_list)
    assert (called.paginator.count, called.paginator.is_capped) == (keyed.paginator.count, keyed.paginator.is_capped)

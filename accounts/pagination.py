"""Pagination for big tables: never a full ``COUNT(*)`` over millions of rows (STYLE 7)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``); beyond that the
    page shows "N+" and deeper pages are reached by narrowing the filters."""

    def __init__(self, object_list, per_page, cap=10_000, **kwargs):
        self.cap = cap
        self.is_capped = False
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        counted = self.object_list[: self.cap + 1].count()
        self.is_capped = counted > self.cap
        return min(counted, self.cap)


def capped_page(request, queryset, per_page=25, cap=10_000):
    return CappedPaginator(queryset, per_page, cap=cap).get_page(request.GET.get("page"))

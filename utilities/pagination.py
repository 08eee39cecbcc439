"""Pagination for big tables: never a full ``COUNT(*)`` over millions of rows (STYLE 7).

Counting stops at ``COUNT_CAP`` rows: beyond it a list shows "1,000+" and its last page is the
40th. On the R-41 data set counting up to 1,000 visible rows costs a few milliseconds for any
viewer, where counting up to 10,000 cost 20–170 ms for staff whose rows are sparse (bench/).
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``); beyond that the
    page shows "N+" and deeper pages are reached by narrowing the filters."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, **kwargs):
        self.cap = cap
        self.is_capped = False
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        counted = self.object_list[: self.cap + 1].count()
        self.is_capped = counted > self.cap
        return min(counted, self.cap)


def capped_page(request, queryset, per_page=25, cap=COUNT_CAP):
    """Return the requested ``?page=`` of ``queryset``, counting at most ``cap`` rows."""
    return CappedPaginator(queryset, per_page, cap=cap).get_page(request.GET.get("page"))


PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE):
    """Return the requested ``?page=`` of ``queryset`` (a full count: for lists bounded by nature)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

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
    page shows "N+" and deeper pages are reached by narrowing the filters.

    ``keys_from``, when given, is the same rows as ``object_list`` in the same order, without
    the joins and columns only the page shows (``object_list`` is then a queryset of the same
    model, e.g. a values query of joined columns). Its first ``cap + 1`` primary keys are read
    once, in order: their number is the count and the page's slice is taken of them, so
    ``object_list`` joins only the page's rows (``WHERE pk IN (…25 ids)``), never the ``n`` rows
    skipped before them, and the rows' filter (a viewer's visibility) is evaluated once a page,
    not once for the count and again for the page (a level-1 admin's product list at R-41 scale:
    about 4 ms of the database's time and a query less). ``keys_from`` may also be a callable,
    ``keys(limit) -> [pk]``, that reads those keys itself (a compiled statement: see
    ``campaigns.visibility.product_ids_visible_to``)."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, keys_from=None, **kwargs):
        self.cap = cap
        self.is_capped = False
        self.keys_from = keys_from
        self._keys = None
        super().__init__(object_list, per_page, **kwargs)

    def page(self, number):
        if self.keys_from is None:
            return super().page(number)
        number = self.validate_number(number)  # reads the keys (``count``)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:  # as ``Paginator.page``: the capped last page ends at the cap
            top = self.count
        keys = self._keys[bottom:top]
        rows = list(self.object_list.filter(pk__in=keys)) if keys else []
        return self._get_page(rows, number, self)

    @cached_property
    def count(self):
        if self.keys_from is None:
            counted = self.object_list[: self.cap + 1].count()
        else:
            if callable(self.keys_from):
                self._keys = list(self.keys_from(self.cap + 1))
            else:
                self._keys = list(self.keys_from.values_list("pk", flat=True)[: self.cap + 1])
            counted = len(self._keys)
        self.is_capped = counted > self.cap
        return min(counted, self.cap)


def capped_page(request, queryset, per_page=25, cap=COUNT_CAP, keys_from=None):
    """Return the requested ``?page=`` of ``queryset``, counting at most ``cap`` rows (of
    ``keys_from`` when given: the same rows unjoined, see ``CappedPaginator``)."""
    return CappedPaginator(queryset, per_page, cap=cap, keys_from=keys_from).get_page(request.GET.get("page"))


PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE):
    """Return the requested ``?page=`` of ``queryset`` (a full count: for lists bounded by nature)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class FoldedCappedPaginator(CappedPaginator):
    """A ``CappedPaginator`` whose capped count rides on the page's own query (issue 27): each row
    of the page carries ``COUNT(*)`` of the first ``cap + 1`` rows as a scalar subquery, so a
    page costs one query instead of two (each query cost 0.7–1.2 ms of ORM building and a round
    trip). An empty page (an empty list, or a page number past the end) counts on its own, as
    ``CappedPaginator`` does."""

    ANNOTATION = "_capped_total"

    def __init__(self, object_list, per_page, cap=COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, cap=cap, **kwargs)
        self._rows = None

    def fetch(self, number):
        """Read page ``number`` (clamped to 1 and more) with its count: ``(rows, counted or None)``."""
        from django.db.models.expressions import RawSQL

        number = max(number, 1)
        bottom = (number - 1) * self.per_page
        counter = self.object_list.order_by().values("pk")[: self.cap + 1]
        sql, params = counter.query.sql_with_params()
        total = RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)
        rows = list(self.object_list.annotate(**{self.ANNOTATION: total})[bottom : bottom + self.per_page])
        return rows, getattr(rows[0], self.ANNOTATION) if rows else None


def folded_capped_page(request, queryset, per_page=25, cap=COUNT_CAP):
    """``capped_page`` in one query where the requested page has rows (``FoldedCappedPaginator``);
    the page's ``object_list`` is a list."""
    paginator = FoldedCappedPaginator(queryset, per_page, cap=cap)
    raw = request.GET.get("page")
    try:
        number = int(raw) if raw is not None else 1
    except (TypeError, ValueError):
        number = 1  # what ``get_page`` makes of a page number that is no number
    rows, counted = paginator.fetch(number)
    if counted is None:  # nothing there: count on its own and let ``get_page`` pick the page
        return paginator.get_page(raw)
    paginator.is_capped = counted > cap
    paginator.count = min(counted, cap)  # a cached_property: set, it is never computed
    page = paginator.get_page(number)
    if page.number != number:  # past the capped last page: the rows read are not that page's
        return page
    # What ``Paginator.page`` would have sliced: the capped last page ends at the cap.
    bottom = (number - 1) * paginator.per_page
    top = bottom + paginator.per_page
    if top + paginator.orphans >= paginator.count:
        top = paginator.count
    page.object_list = rows[: top - bottom]
    return page

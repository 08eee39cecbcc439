"""The conversation history's page in one query: its rows as tuples and their capped count (issue 27).

``selectors.history`` says which conversations a reader sees; this module only fetches one page of
them. The capped count (``utilities.pagination.COUNT_CAP``) is a window over the first ``cap + 1``
visible ids, so the database walks the tenant's newest conversations once for both, and only the
page's 25 rows are joined to their group and server.
"""

from collections import namedtuple

from django.core.paginator import Page
from django.db import connections
from django.utils import timezone

from utilities.pagination import COUNT_CAP, CappedPaginator

from .links import link_to
from .models import Conversation

PER_PAGE = 25

#: One history row, every value ready to print: ``url`` the conversation's page, ``started`` the
#: local "Y-m-d H:i", ``served_by`` the server's label ("" while queued), ``status`` the label.
HistoryRow = namedtuple("HistoryRow", "pk url started nickname group served_by is_overflow status")

_PAGE_SQL = """
SELECT c.id, c.created_at, c.buyer_nickname, g.name, u.display_name, u.account_name, u.username,
       c.is_overflow, c.status, v.total
FROM (
    SELECT w.id, w.created_at, w.total FROM (
        SELECT ids.id, ids.created_at, COUNT(*) OVER () AS total FROM ({visible}) ids
    ) w
    ORDER BY w.created_at DESC, w.id DESC
    LIMIT %s OFFSET %s
) v
JOIN chat_conversation c ON c.id = v.id
JOIN chat_chatgroup g ON g.id = c.group_id
LEFT JOIN accounts_user u ON u.id = c.assignee_id
ORDER BY v.created_at DESC, v.id DESC
"""


def _fetch(rows, offset, per_page, cap):
    """``([HistoryRow], total)``: the rows at ``offset`` of the ordered queryset ``rows`` and how
    many it has, counted up to ``cap + 1`` (0 and ``[]`` when the offset is past the end)."""
    visible = rows.order_by("-created_at", "-id").values_list("id", "created_at")[: cap + 1]
    sql, params = visible.query.sql_with_params()
    alias = rows.db
    with connections[alias].cursor() as cursor:
        cursor.execute(_PAGE_SQL.format(visible=sql), [*params, per_page, offset])
        fetched = cursor.fetchall()
    if not fetched:
        return [], 0
    link = link_to("chat:conversation")
    labels = dict(Conversation.Status.choices)
    created_at = Conversation._meta.get_field("created_at").cached_col
    connection = connections[alias]
    converters = created_at.get_db_converters(connection) + connection.ops.get_db_converters(created_at)
    result = []
    for pk, started, nickname, group, display_name, account_name, username, overflow, status, _total in fetched:
        for convert in converters:
            started = convert(started, created_at, connection)
        result.append(
            HistoryRow(
                pk,
                link(pk),
                timezone.localtime(started).strftime("%Y-%m-%d %H:%M"),
                nickname,
                group,
                display_name or account_name or username or "",
                bool(overflow),
                labels.get(status, status),
            )
        )
    return result, fetched[0][-1]


def history_page(rows, page=None, *, per_page=PER_PAGE, cap=COUNT_CAP):
    """The ``?page=`` of the history queryset ``rows`` (from ``selectors.history``), as Django's
    ``Page`` of ``HistoryRow`` tuples whose paginator's ``count`` stops at ``cap`` (``is_capped``
    beyond it). A page that is not a number is the first; one past the end is the last, as
    ``Paginator.get_page`` does. One query, or two for a page past the end."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    number = min(number, -(-cap // per_page))  # no page beyond the cap's last
    fetched, total = _fetch(rows, (number - 1) * per_page, per_page, cap)
    if not fetched and number > 1:
        _first, total = _fetch(rows, 0, 1, cap)
        number = max(1, -(-min(total, cap) // per_page))
        fetched, total = _fetch(rows, (number - 1) * per_page, per_page, cap)
    paginator = CappedPaginator(rows, per_page, cap=cap)
    paginator.__dict__["count"] = min(total, cap)  # the cached_property, already known
    paginator.is_capped = total > cap
    return Page(fetched, number, paginator)

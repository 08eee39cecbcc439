"""The conversation history's search by text (issue 27): one row of ``SearchText`` per conversation.

A search used to probe every visible conversation's own messages (ten rows each at R-41 scale)
until it had the capped count; it now reads one row per conversation, its buyer's nickname and
every buyer and staff message upper-cased and joined by ``SEARCH_SEPARATOR``. A term without the
separator can only match inside one of them, so the rows found are those the per-message search
finds: a case-insensitive substring of the nickname or of a message that is not a system line.
``routing.add_message``, the only writer of messages, keeps the row with ``search_text_keep``.
"""

from django.db import connections, router
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.expressions import RawSQL

from .models import SEARCH_SEPARATOR, Message, SearchText

_TABLE = SearchText._meta.db_table

# UPPER in the database (not str.upper) so the stored text folds exactly as the term does.
_APPEND_SQL = f"""
INSERT INTO {_TABLE} (conversation_id, tenant_id, folded) VALUES (%s, %s, UPPER(%s))
ON CONFLICT (conversation_id) DO UPDATE SET folded = {_TABLE}.folded || UPPER(%s)
"""
_ENSURE_SQL = f"""
INSERT INTO {_TABLE} (conversation_id, tenant_id, folded) VALUES (%s, %s, UPPER(%s))
ON CONFLICT (conversation_id) DO NOTHING
"""


def search_text_keep(conversation, *, kind, body):
    """Add the message ``body`` of ``kind`` (a ``Message.Kind``) to ``conversation``'s searchable
    text, creating the row (from the buyer's nickname) on its first message; a system line adds
    nothing. One statement; call it in the transaction that stores the message."""
    connection = connections[router.db_for_write(SearchText)]
    with connection.cursor() as cursor:
        if kind == Message.Kind.SYSTEM:
            cursor.execute(_ENSURE_SQL, [conversation.pk, conversation.tenant_id, conversation.buyer_nickname])
        else:
            said = SEARCH_SEPARATOR + body
            cursor.execute(
                _APPEND_SQL,
                [conversation.pk, conversation.tenant_id, conversation.buyer_nickname + said, said],
            )


def search_text_rebuild(tenant_id=None):
    """Write every conversation's searchable text from its nickname and messages again (of one
    tenant, or all): the bench's loader and repairs. Returns the number of conversations written.
    PostgreSQL only (one ``INSERT … SELECT``); other databases have no bulk-loaded messages."""
    connection = connections[router.db_for_write(SearchText)]
    where = "WHERE c.tenant_id = %s" if tenant_id is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_TABLE}" + (" WHERE tenant_id = %s" if tenant_id is not None else ""),
            [tenant_id] if tenant_id is not None else [],
        )
        cursor.execute(
            f"""
            INSERT INTO {_TABLE} (conversation_id, tenant_id, folded)
            SELECT c.id, c.tenant_id, UPPER(c.buyer_nickname || COALESCE(string_agg(%s || m.body, '' ORDER BY m.id), ''))
            FROM chat_conversation c
            LEFT JOIN chat_message m ON m.conversation_id = c.id AND m.kind <> %s
            {where}
            GROUP BY c.id
            """,
            [SEARCH_SEPARATOR, Message.Kind.SYSTEM] + ([tenant_id] if tenant_id is not None else []),
        )
        return cursor.rowcount


def said_or_named(q):
    """The condition "``q`` (any case) is in the conversation's nickname or in a buyer or staff
    message", as a boolean expression for ``Conversation`` querysets; ``None`` when ``q`` holds
    ``SEARCH_SEPARATOR`` (no nickname or message can, but the joined text could: the caller
    searches the messages themselves then). One probe of ``SearchText`` by primary key per
    conversation walked; ``OFFSET 0`` keeps it correlated on PostgreSQL (a hashed subplan would
    read every matching row of the tenant before the walk stops at the capped count)."""
    if SEARCH_SEPARATOR in q:
        return None
    connection = connections[router.db_for_read(SearchText)]
    pattern = "%%%s%%" % connection.ops.prep_for_like_query(q)
    keep_correlated = " OFFSET 0" if connection.vendor == "postgresql" else ""
    return ExpressionWrapper(
        RawSQL(
            f"EXISTS (SELECT 1 FROM {_TABLE} found WHERE found.conversation_id = chat_conversation.id"
            " AND found.folded LIKE UPPER(%s) ESCAPE '\\'" + keep_correlated + ")",
            (pattern,),
        ),
        output_field=BooleanField(),
    )

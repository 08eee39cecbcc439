"""``utilities.sql.per_vendor``: SQL text written once per database vendor, whatever the
connection object (under ASGI every request gets a new one)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from campaigns.visibility import compiled
from utilities.sql import per_vendor


def test_the_text_is_built_once_per_vendor_not_once_per_connection():
    built = []

    @per_vendor
    def text(quote, flag):
        built.append(flag)
        return f"SELECT 1 FROM {quote('accounts_user')} WHERE {flag}"

    fresh = [connections.create_connection(DEFAULT_DB_ALIAS) for _ in range(20)]
    try:
        texts = {text(connection, "x") for connection in fresh}
        text(fresh[0], "y")
    finally:
        for connection in fresh:
            connection.close()

    assert len(texts) == 1 and '"accounts_user"' in texts.pop()
    assert built == ["x", "y"]
    assert text.cache_size() == 2


@pytest.mark.django_db
def test_the_compiled_visibility_texts_do_not_grow_with_connections():
    """The campaign visibility statements keep one text per vendor, however many connection
    objects ask (a cache keyed on the bound ``quote_name`` kept every one of them alive)."""
    compiled._grant_tables.cache_clear()
    fresh = [connections.create_connection(DEFAULT_DB_ALIAS) for _ in range(10)]
    try:
        tables = {compiled._grant_tables(connection) for connection in fresh}
    finally:
        for connection in fresh:
            connection.close()

    assert len(tables) == 1
    assert compiled._grant_tables.cache_size() == 1

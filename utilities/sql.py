"""SQL text written once per process (issue 27)."""

from functools import wraps


def per_vendor(build):
    """Decorate ``build(quote, *args) -> str`` (SQL text from quoted table names) so that it runs
    once per database vendor and ``args`` (hashable) and is then called as ``f(connection, *args)``.

    The text depends on the backend's quoting only, never on the connection object: a cache
    keyed on ``connection.ops.quote_name`` (a bound method) kept one entry, and the connection
    with it, for every ``DatabaseWrapper`` ever made, one per request under ASGI. ``cache_clear()``
    empties it."""
    cache = {}

    @wraps(build)
    def text(connection, *args):
        key = (connection.vendor, *args)
        try:
            return cache[key]
        except KeyError:
            cache[key] = value = build(connection.ops.quote_name, *args)
            return value

    text.cache_clear = cache.clear
    text.cache_size = lambda: len(cache)
    return text

"""Database set-up shared by the settings and the tests that build connections of their own."""

# After a failed connection attempt psycopg's pool retries in the background with a doubling
# delay (1, 2, 4, 8 … s) for up to ``reconnect_timeout`` (5 minutes by default), and meanwhile
# starts no other attempt: a database back after a 10-second restart was reached only at the next
# scheduled try, 8 s later, and every request waited for it. Giving up after this many seconds
# lets the next request start a fresh attempt at once instead.
POOL_RECONNECT_SECONDS = 2.0


def pool_options(max_size: int, timeout_seconds: float) -> dict:
    """Django's ``OPTIONS["pool"]`` for a psycopg pool of at most ``max_size`` connections.

    Meant with ``CONN_HEALTH_CHECKS = True`` (the settings' default), with which Django gives the
    pool ``check=ConnectionPool.check_connection``: every idle connection is checked (one empty
    round trip) before a request gets it and replaced when broken, so the dead connections a
    database restart leaves in the pool are never handed out. A request waits at most
    ``timeout_seconds`` for a connection, then fails (``psycopg_pool.PoolTimeout``: the error
    page, not a hang).
    """
    return {"min_size": 1, "max_size": max_size, "timeout": timeout_seconds, "reconnect_timeout": POOL_RECONNECT_SECONDS}

"""PostgreSQL restarted under a running app (issue 28): the next request gets a working connection.

After a restart every connection a worker's pool held is dead. Handed out unchecked, each failed
its request; and after an outage the pool's background reconnection backed off to 8 s and more,
so the first requests after the database was back hung for the pool's 20 s and answered 500.
Here a throwaway server of the test's own is restarted (idle), then stopped and started (a
request arrives while it is down), between "requests" made through a pooled Django connection
configured as the production settings configure one.
"""

import environ
import pytest
from django.db import DatabaseError
from django.db.utils import ConnectionHandler
from psycopg_pool import PoolTimeout

from config.db import pool_options
from tests.throwaway import postgres_server

ALIAS = "restart_test"


def backend_pid(connection):
    """One request's worth of database work: a query, then the connection goes back to the pool."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        connection.close()


@pytest.mark.postgres
def test_the_first_request_after_a_restart_or_an_outage_gets_a_working_connection(django_db_blocker):
    import config.settings as production

    with postgres_server() as server, django_db_blocker.unblock():
        settings = environ.Env.db_url_config(server.url())
        settings["CONN_HEALTH_CHECKS"] = production.DATABASES["default"]["CONN_HEALTH_CHECKS"]
        settings["OPTIONS"] = {"pool": pool_options(2, production.DATABASE_POOL_TIMEOUT), "connect_timeout": 2}
        connection = ConnectionHandler({"default": settings, ALIAS: settings})[ALIAS]
        try:
            before = backend_pid(connection)

            server.restart()  # while the pool holds an idle connection, now dead
            after_restart = backend_pid(connection)
            assert after_restart != before

            server.stop()
            with pytest.raises((DatabaseError, PoolTimeout)):
                backend_pid(connection)  # the error page, after the pool's short timeout
            server.start()
            assert backend_pid(connection) not in {before, after_restart}
        finally:
            connection.close_pool()

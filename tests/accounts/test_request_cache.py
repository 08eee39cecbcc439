"""Sessions and staff permission sets read from the shared cache (issue 16): a change still applies
at the very next request (R-14, R-15), and a cache that is down costs a query, not the page."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from qsessions.models import Session

from accounts import permission_cache
from accounts.services.sessions import sessions_end
from orgchart.services import position_update
from tests.personas import catalogue
from utilities.cache import ResilientRedisCache

CAMPAIGNS = "/campaigns/"


def permission_keys():
    """The cached permission sets: since issue 27 they travel inside the cached user object."""
    return [key for key in cache._cache if ":user:" in key]


def test_production_cache_is_redis_with_the_database_name_in_its_prefix():
    import config.settings as production

    default = production.CACHES["default"]
    assert default["BACKEND"] == "utilities.cache.ResilientRedisCache"
    assert default["LOCATION"].startswith("redis://")
    # The database's name (the test run has since renamed the database itself).
    assert default["KEY_PREFIX"].startswith("staffdesk:") and len(default["KEY_PREFIX"]) > len("staffdesk:")
    assert production.SESSION_ENGINE == "accounts.session_store"


def test_a_removed_right_applies_at_the_next_request_although_the_set_was_cached(client, owner, org, plain_staff):
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200
    assert permission_keys(), "the permission set was not cached: this test would prove nothing"

    position_update(actor=owner, position=org.clerk, name="Clerk", permissions=catalogue())

    assert client.get(CAMPAIGNS).status_code == 403


def test_a_granted_supplementary_right_applies_at_the_next_request(client, owner, org, plain_staff):
    position_update(actor=owner, position=org.clerk, name="Clerk", permissions=catalogue())
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 403
    assert permission_keys()

    plain_staff.user_permissions.set(catalogue("view_campaigns"))

    assert client.get(CAMPAIGNS).status_code == 200


def test_the_second_request_reads_neither_session_nor_permissions_from_the_database(client, plain_staff):
    client.force_login(plain_staff)
    client.get(CAMPAIGNS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CAMPAIGNS).status_code == 200
    sql = [q["sql"] for q in queries]
    assert not [q for q in sql if "qsessions_session" in q]
    assert not [q for q in sql if "auth_permission" in q]


def test_an_ended_session_is_logged_out_although_it_was_cached(client, plain_staff):
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200

    sessions_end(user=plain_staff)

    response = client.get(CAMPAIGNS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db(transaction=True)
def test_a_session_cached_again_before_the_end_commits_is_dropped_after_it(client, owner, org, plain_staff):
    """A request of the user between the delete and the commit would cache the row again."""
    client.force_login(plain_staff)
    key = client.session.session_key
    store_class = Session.get_session_store_class()
    with transaction.atomic():
        sessions_end(user=plain_staff)
        # What a concurrent request does meanwhile: it still sees the row (not yet deleted for
        # it) and caches it. Simulated by putting the row's data back into the cache.
        cache.set(store_class.cache_key_prefix + key, {"_auth_user_id": str(plain_staff.pk)})
    assert cache.get(store_class.cache_key_prefix + key) is None
    assert client.get(CAMPAIGNS).status_code == 302


def test_a_set_cached_under_an_older_generation_is_read_afresh(plain_staff):
    calls = []

    def read(user):
        calls.append(user.pk)
        return {"orgchart.view_campaigns"}

    assert permission_cache.cached_permissions(plain_staff, read) == {"orgchart.view_campaigns"}
    assert permission_cache.cached_permissions(plain_staff, read) == {"orgchart.view_campaigns"}
    assert len(calls) == 1
    permission_cache.new_generation()  # outside a transaction: at once
    permission_cache.cached_permissions(plain_staff, read)
    assert len(calls) == 2


def test_a_cache_that_is_down_degrades_to_misses():
    down = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert down.get("k", "default") == "default"
    assert down.get_many(["a", "b"]) == {}
    down.set("k", 1)
    assert down.add("k", 1) is False
    assert down.delete("k") is False
    down.delete_many(["a"])
    assert down.has_key("k") is False


def test_a_page_still_answers_when_the_cache_is_down(client, plain_staff, settings):
    # The settings fixture's change signal makes Django rebuild its cache handlers.
    settings.CACHES = {
        "default": {
            "BACKEND": "utilities.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    client.force_login(plain_staff)
    assert client.get(CAMPAIGNS).status_code == 200
    assert client.get(CAMPAIGNS).status_code == 200


def test_the_redis_cache_round_trips(redis_url):
    live = ResilientRedisCache(f"{redis_url}/1", {"KEY_PREFIX": "staffdesk-test-roundtrip"})
    live.set("k", {"a": 1}, 30)
    try:
        assert live.get("k") == {"a": 1}
    finally:
        live.delete("k")


def test_a_cached_session_copy_lives_five_minutes_at_most(client, plain_staff):
    """A copy left behind by an end that could not reach the cache stops working within minutes."""
    from accounts.session_store import CACHE_SECONDS

    client.force_login(plain_staff)
    key = Session.get_session_store_class().cache_key_prefix + client.session.session_key
    made_key = cache.make_key(key)
    expires_at = cache._expire_info[made_key]  # LocMem keeps each key's expiry time
    import time

    assert CACHE_SECONDS == 300
    assert expires_at - time.time() <= CACHE_SECONDS + 1

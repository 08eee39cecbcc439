"""Test-wide settings, personas and the browser set-up."""

import os
import shutil

import pytest

from tests.snapshots import persona

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing in tests (production uses Argon2); tasks run at once, inside the test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NOTIFICATION_BACKENDS = ["inbox", "console", "dingtalk"]
    # No SMS provider, whatever this machine's environment says: tests that need one point it at a
    # fake server on loopback (tests/accounts/test_sms_providers.py).
    settings.SMS_PROVIDER = ""
    settings.SMS_GATEWAY_URL = ""
    # The fake robot servers of the notification tests listen on loopback.
    settings.DINGTALK_ROBOT_ORIGINS = ["https://oapi.dingtalk.com", "http://127.0.0.1"]
    # django-axes needs a request in authenticate(), which client.login() does not pass, and the
    # admin's second factor would stop every admin test at enrolment: both are off here and on in
    # tests/accounts/test_lockout.py and test_two_factor.py (fixtures ``axes_on``, ``admin_2fa_on``).
    settings.AXES_ENABLED = False
    settings.ADMIN_REQUIRES_SECOND_FACTOR = False
    # One process's memory instead of Redis: the test server threads share it, and runs in
    # parallel (SQLite and PostgreSQL, other checkouts) cannot read each other's entries.
    # Emptied before every test (``empty_cache``), as the database is.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "config.db.sqlite3":
        # In memory, as for Django's own SQLite engine; pytest-django's per-worker suffix (xdist)
        # skips ":memory:" but does not know our engine's name and would make a file name of it.
        database.setdefault("TEST", {})["NAME"] = ":memory:"
    elif "options" in database.get("OPTIONS", {}):
        # A test database's commits need not wait for the disk: what a transactional or
        # concurrency test commits is still visible to every other connection at once.
        database["OPTIONS"]["options"] += " -c synchronous_commit=off"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases; shared persona snapshots are rolled back before they go."""
    from tests import snapshots

    snapshots.database_ready()
    yield
    snapshots.close_all()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache, as with an empty database: ids are reused."""
    from django.core.cache import cache

    from accounts import dashboard, layout
    from accounts.user_cache import clear_local

    cache.clear()
    clear_local()  # the logged-in user's copies in this process's memory (issue 27)
    layout.clear()  # and the layout's parts kept for it
    dashboard.clear()  # and the dashboards' panels


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL with real parallel connections")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def redis_url():
    """The Redis server that tests needing a real one talk to: ``$TEST_REDIS_URL``, else the local one.

    ``config/test.sh`` names it (starting a throwaway ``redis-server`` when none answers). Where
    none answers, the test skips and says why; under ``CI=true`` a missing Redis is a failure.
    Returns the server's URL without a database number, e.g. ``redis://127.0.0.1:6379``.
    """
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"No Redis answers at {url} ({error}): under CI that is a failure.")
        pytest.skip(
            f"no Redis answers at {url}: install redis-server (bash config/test.sh then starts a"
            " throwaway one) or set TEST_REDIS_URL"
        )
    return url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's chromium; Playwright's own browser download cannot work here."""
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Assertions read English messages unless a test asks for Chinese."""
    settings.LANGUAGE_CODE = "en"


@persona
def tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory(slug="acme", name="Acme Shop")


@persona
def owner(tenant):
    from tests.factories import OwnerFactory

    return OwnerFactory(tenant=tenant, username="acme_owner")


@persona
def other_tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory(slug="globex", name="Globex")


@persona
def other_owner(other_tenant):
    from tests.factories import OwnerFactory

    return OwnerFactory(tenant=other_tenant, username="globex_owner")


@persona
def operator(db):
    from tests.factories import OperatorFactory

    return OperatorFactory(username="platform_op")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture(autouse=True)
def _force_login_sessions_know_the_test_client(monkeypatch):
    """Let ``force_login`` sessions record the test client's address and user agent.

    django-qsessions stores them with the session and rewrites the row when they change; the
    request ``force_login`` builds has neither, so every test's first request would write the
    session once and throw query counts off. A real login happens in a request that has them.
    """
    from django.conf import settings
    from django.test.client import ClientMixin
    from qsessions.models import Session

    SessionStore = Session.get_session_store_class()  # the configured one: cached_db writes its cached copy too

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        cookie = self.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie:
            store = SessionStore(session_key=cookie.value, ip="127.0.0.1", user_agent="")
            store.load()
            store.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)

"""Which tests each pass of ``config/test.sh`` runs (``--suite-pass``), and why.

The test command runs the suite twice, on SQLite (the embedded default) and on PostgreSQL
(production). A test runs in both passes when the backend can change its outcome; the rest run
once, so the command stays within its time budget without dropping anything:

- ``--suite-pass=sqlite`` runs every test except the browser tests, of which only those marked
  ``sqlite_smoke`` run: a short set that serves the embedded default's main paths (sign-up,
  the tree, an import, the live chat, the demo data) to real Chromium. The browser tests
  otherwise drive the same views that the view tests already run on both backends.
- ``--suite-pass=postgres`` runs every test that touches the database (the ``django_db`` marker
  or a database fixture such as ``db``, ``transactional_db`` or ``live_server``), every test
  marked ``every_backend`` or ``postgres``, and every browser test. A test that touches no database (a parser,
  a pure function, a settings check) cannot depend on the backend, so it runs in the SQLite pass
  only.

Without ``--suite-pass`` (a person running one file or one app) nothing is skipped on this account.
``docs/testing.md`` lists the tests each pass leaves out.
"""

import os

import pytest

DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "_django_db_helper",
    }
)


def pytest_addoption(parser):
    parser.addoption(
        "--suite-pass",
        choices=("sqlite", "postgres"),
        default=None,
        help="run the part of the suite that this pass of config/test.sh owns (see tests/suite_passes.py)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_smoke: a browser test that also runs in the SQLite pass")
    config.addinivalue_line(
        "markers", "every_backend: runs in both passes although it uses no database fixture"
    )
    config.addinivalue_line(
        "markers",
        "slow: runs for tens of seconds; started first, so that a parallel pass does not end waiting on it",
    )


def is_browser_test(item) -> bool:
    return "tests/browser/" in str(item.fspath).replace(os.sep, "/")


def touches_database(item) -> bool:
    """Whether ``item`` asks for the test database, by marker or through any fixture it uses."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def left_out_of(suite_pass: str, item) -> str | None:
    """Why ``item`` does not run in ``suite_pass``, or None when it runs there."""
    if suite_pass == "sqlite":
        if is_browser_test(item) and item.get_closest_marker("sqlite_smoke") is None:
            return "browser test: runs in the PostgreSQL pass (the SQLite pass runs the sqlite_smoke set)"
        return None
    if suite_pass == "postgres":
        if is_browser_test(item) or any(
            item.get_closest_marker(name) is not None for name in ("every_backend", "postgres")
        ):
            return None
        if not touches_database(item):
            return "touches no database: runs in the SQLite pass only"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # The tests marked slow go first (otherwise in their order): started last, one of them would
    # keep its worker busy for a minute after the other had run out of tests.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    suite_pass = config.getoption("suite_pass")
    if suite_pass is None:
        return
    kept, left_out = [], []
    for item in items:
        (left_out if left_out_of(suite_pass, item) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept

"""The test command's own machinery: which pass runs a test, and shared persona snapshots.

``tests/suite_passes.py`` decides where each test runs; a mistake there silently drops tests
from a backend. ``tests/snapshots.py`` shares a built world between tests; a mistake there lets
one test's writes reach the next.
"""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from accounts.models import Tenant
from tests import snapshots, suite_passes
from tests.factories import TenantFactory
from tests.personas import org, plain_staff  # noqa: F401  (fixtures)


class FakeItem:
    """What the pass rules read of a collected test: its path, markers and fixture closure."""

    def __init__(self, path, *, markers=(), fixtures=(), django_db=None):
        self.fspath = path
        self.fixturenames = list(fixtures)
        self._markers = {name: SimpleNamespace(args=(), kwargs={}) for name in markers}
        if django_db is not None:
            self._markers["django_db"] = SimpleNamespace(args=(), kwargs=django_db)

    def get_closest_marker(self, name):
        return self._markers.get(name)


@pytest.mark.parametrize(
    "item, sqlite, postgres",
    [
        (FakeItem("tests/utilities/test_text.py"), None, "touches no database"),
        (FakeItem("tests/accounts/test_auth.py", django_db={}), None, None),
        (FakeItem("tests/accounts/test_auth.py", fixtures=["client", "db"]), None, None),
        (FakeItem("tests/chat/test_streams.py", fixtures=["transactional_db"]), None, None),
        (FakeItem("tests/scim/test_compliance.py", fixtures=["live_server"]), None, None),
        (FakeItem("tests/bench/test_smoke.py", markers=["postgres"]), None, None),
        (FakeItem("tests/utilities/test_text.py", markers=["every_backend"]), None, None),
        (FakeItem("tests/browser/test_pages.py", fixtures=["page", "live_server"]), "browser test", None),
        (FakeItem("tests/browser/test_chat.py", markers=["sqlite_smoke"], fixtures=["page"]), None, None),
    ],
)
def test_each_test_runs_in_the_passes_where_its_backend_matters(item, sqlite, postgres):
    for suite_pass, expected in (("sqlite", sqlite), ("postgres", postgres)):
        reason = suite_passes.left_out_of(suite_pass, item)
        if expected is None:
            assert reason is None, (suite_pass, item.fspath, reason)
        else:
            assert reason and expected in reason, (suite_pass, item.fspath, reason)


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_gives_every_test_the_rows_it_was_built_with_and_nothing_more(request):
    from pytest_django.plugin import blocking_manager_key

    builds = []

    def build():
        builds.append(1)
        return SimpleNamespace(tenant=TenantFactory(slug="snapshot-shop", name="Before"))

    snapshot = snapshots.Snapshot("snapshot_world", build, defined_in=__name__, register=False)
    blocker = request.config.stash[blocking_manager_key]
    snapshot.open(blocker)
    try:
        assert snapshot.is_open and connection.in_atomic_block
        for _test in range(2):  # two tests in a row, each in its own savepoint as pytest-django does
            with transaction.atomic():
                world = snapshot.copy()
                assert Tenant.objects.get(slug="snapshot-shop").name == "Before"
                world.tenant.name = "Renamed by a test"
                world.tenant.save()
                TenantFactory(slug="made-by-a-test")
                transaction.set_rollback(True)
            assert not Tenant.objects.filter(slug="made-by-a-test").exists()
            assert snapshot.copy().tenant.name == "Before"  # the pristine objects are never handed out
        assert len(builds) == 1
    finally:
        snapshot.close()
    assert not snapshot.is_open and not connection.in_atomic_block
    assert not Tenant.objects.filter(slug="snapshot-shop").exists()  # gone with the snapshot


# Persona snapshots: a test asking for personas gets exactly those, built once for the tests of its
# module that ask for the same set, each test with its own copy.


def _plan_names(item):
    plan = snapshots.persona_plan(item)
    return None if plan is None else [name for name, _build, _args in plan.steps]


@pytest.mark.parametrize("turn", ["first", "second"])
def test_personas_are_shared_by_consecutive_tests_and_each_gets_its_own_copy(request, turn, tenant, owner, org, plain_staff):
    from orgchart.models import Department

    assert _plan_names(request.node) == ["tenant", "owner", "org", "plain_staff"]  # in dependency order
    if snapshots.PERSONAS.is_open:  # not for the first test of a worker: the database did not exist yet
        assert snapshots.PERSONAS.serves("plain_staff")
    # One copy of them all: the objects refer to each other as a fresh build's would.
    assert owner.tenant is tenant
    assert plain_staff.department_id == org.east.pk and org.east.tenant_id == owner.tenant_id
    # Whatever the other turn wrote is gone; what the snapshot built is there.
    assert org.east.name == "East" and Department.objects.get(pk=org.east.pk).name == "East"
    assert not Department.objects.filter(name="Made by a test").exists()
    org.east.name = f"Renamed by the {turn} test"
    Department.objects.filter(pk=org.east.pk).update(name=org.east.name)
    Department.objects.create(tenant=tenant, name="Made by a test", parent=None)


@pytest.mark.django_db(transaction=True)
def test_a_test_that_commits_for_real_builds_its_own_personas(request, owner):
    assert _plan_names(request.node) is None
    assert not snapshots.PERSONAS.is_open


class TestAnOverriddenPersonaIsNotShared:
    @pytest.fixture
    def org(self, owner):
        return SimpleNamespace(made_here=owner.pk)

    def test_only_the_personas_it_still_uses_are_shared(self, request, owner, org):
        assert _plan_names(request.node) == ["tenant", "owner"]
        assert org.made_here == owner.pk

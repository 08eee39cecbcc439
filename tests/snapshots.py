"""Personas built once and shared by the tests that follow, as Django's ``setUpTestData`` does.

The campaign ``world`` (``tests/personas.py``) builds two tenants, eleven bound staff accounts,
seven campaigns and their products through the services: about half a second, asked for by some
450 tests. A :class:`Snapshot` builds it once inside an outer transaction; each test then runs in
its own savepoint inside it (pytest-django's ordinary ``db`` transaction, nested), gets a deep
copy of the pristine objects, and its writes are rolled back to the snapshot at its end. Every
test still sees exactly the rows a fresh build would give it.

The snapshot is open only while consecutive tests want it. It is rolled back, before any fixture
of the next test is set up, when that test does not ask for it or commits for real (a
``transaction=True`` test, ``transactional_db``, ``live_server``): those tests build their own
copy, as before. ``pytest_collection_modifyitems`` keeps each module's snapshot users together so
that a module builds its snapshot once. The first test of a run builds its own copy too: the test
database does not exist yet when its set-up starts.

The lighter personas (``tenant``, ``owner``, ``org``, the staff hired into it, the chat ``desk``,
the operation ``shop`` …) are each a fixture of their own, and a test asks for any mix of them.
Each is declared with :func:`persona` instead of ``pytest.fixture``. Before a test's own
transaction opens, a :class:`PersonaSnapshot` builds exactly the personas it asks for (the
fixtures of its closure that are personas and need nothing but personas and ``db``) in dependency
order, and keeps them while the following tests of its module ask for the same set. Each test
gets one deep copy of them all, so the objects refer to each other as a fresh build's would. A
test that also asks for the campaign ``world``, or commits for real, builds its own.
"""

import copy
import functools

import pytest
from django.db import transaction
from django.test import override_settings

_snapshots: list["Snapshot"] = []
_database_ready = False


class Snapshot:
    """One persona world kept open between the tests that ask for the fixture ``fixture_name``
    defined in the module ``defined_in`` (a namesake elsewhere is another fixture).

    ``build`` is called with no argument inside the outer transaction and returns the persona
    namespace; :meth:`copy` gives a test its own deep copy of it. The fixture returns
    ``snapshot.copy()`` when ``snapshot.is_open`` and ``build()`` otherwise.
    """

    def __init__(self, fixture_name, build, *, defined_in, register=True):
        self.fixture_name = fixture_name
        self.build = build
        self.defined_in = defined_in
        self._atomic = None
        self._pristine = None
        self._blocker = None
        self._connection = None
        if register:  # opened and rolled back around each test by the hooks below
            _snapshots.append(self)

    @property
    def is_open(self):
        return self._atomic is not None

    def wanted_by(self, item):
        """Whether ``item`` asks for this snapshot's fixture (this one, not a namesake) and rolls back."""
        definitions = getattr(item, "_fixtureinfo", None) and item._fixtureinfo.name2fixturedefs.get(self.fixture_name)
        if not definitions:
            return False
        function = definitions[-1].func
        if (function.__module__, function.__name__) != (self.defined_in, self.fixture_name):
            return False
        return not commits_for_real(item)

    def open(self, blocker):
        from django.core.cache import cache

        self._blocker = blocker
        with blocker.unblock():
            self._connection = transaction.get_connection()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            try:
                # What the autouse ``_english_by_default`` gives a fixture built inside the test.
                with override_settings(LANGUAGE_CODE="en"):
                    self._pristine = self.build()
            except BaseException:
                self.close()
                raise
            finally:
                cache.clear()

    def copy(self):
        return copy.deepcopy(self._pristine)

    def close(self):
        if self._atomic is None:
            return
        atomic, self._atomic, self._pristine = self._atomic, None, None
        with self._blocker.unblock():
            if transaction.get_connection() is self._connection and self._connection.in_atomic_block:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                return
            # Asked from another context than the one that opened it (seen once at the end of an
            # xdist worker's session): end the snapshot's connection itself; the server rolls
            # back what was never committed, and the test database can then be dropped.
            raw = self._connection.connection
            if raw is not None:
                raw.close()


def commits_for_real(item) -> bool:
    """Whether ``item`` runs outside a rolled-back transaction (pytest-django's own rule)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences") or marker.args[:1] == (True,)):
        return True
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"transactional_db", "live_server", "django_db_reset_sequences"})


class PersonaSnapshot:
    """The personas of the tests in progress: built once for a run of tests in one module that ask
    for the same set of :func:`persona` fixtures, each test getting its own deep copy."""

    def __init__(self):
        self.key = None
        self._inner = None
        self._copy = None

    @property
    def is_open(self):
        return self._inner is not None and self._inner.is_open

    def open(self, blocker, plan):
        """Build ``plan`` (a :class:`PersonaPlan`) inside an outer transaction and keep it."""
        self.key = plan.key
        self._inner = Snapshot("personas", plan.build, defined_in=None, register=False)
        self._inner.open(blocker)

    def begin_test(self):
        """Forget the previous test's copy: the next persona asked for makes a new one."""
        self._copy = None

    def value(self, name):
        """This test's copy of the persona ``name`` (one deep copy of them all per test)."""
        if self._copy is None:
            self._copy = self._inner.copy()
        return self._copy[name]

    def serves(self, name):
        return self.is_open and name in self._inner._pristine

    def close(self):
        if self._inner is not None:
            self._inner.close()
        self._inner, self.key, self._copy = None, None, None


PERSONAS = PersonaSnapshot()


def persona(function):
    """Declare a persona fixture (as ``pytest.fixture`` would) whose value consecutive tests share.

    ``function`` builds the persona from the fixtures its parameters name (other personas, or
    ``db``); while a :class:`PersonaSnapshot` holding it is open, the fixture returns this test's
    copy instead of building it again."""

    @functools.wraps(function)
    def fixture(*args, **kwargs):
        if PERSONAS.serves(function.__name__):
            return PERSONAS.value(function.__name__)
        return function(*args, **kwargs)

    fixture.persona_build = function
    return pytest.fixture(fixture)


class PersonaPlan:
    """The personas an item asks for: ``steps`` is ``[(name, build, argnames)]`` in dependency order."""

    def __init__(self, module, steps):
        self.steps = steps
        self.key = (module, tuple((name, build) for name, build, _args in steps))

    def build(self):
        values = {}
        for name, build, argnames in self.steps:
            values[name] = build(**{arg: values.get(arg) for arg in argnames})
        return values


def _persona_def(definitions):
    """The persona build function of a fixture's definitions as an item sees them, or None."""
    if not definitions:
        return None
    definition = definitions[-1]
    return getattr(definition.func, "persona_build", None), definition.argnames


def persona_plan(item):
    """The :class:`PersonaPlan` of ``item``, or None when it builds its personas itself."""
    if commits_for_real(item) or any(snapshot.wanted_by(item) for snapshot in _snapshots):
        return None
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    definitions, state, steps = info.name2fixturedefs, {}, []

    def shareable(name):
        if name == "db":
            return True
        if name in state:
            return state[name]
        state[name] = False  # a cycle (or an override naming itself) is never shared
        found = _persona_def(definitions.get(name))
        if found is None or found[0] is None:
            return False
        build, argnames = found
        if name in argnames or not all(shareable(arg) for arg in argnames):
            return False
        state[name] = True
        steps.append((name, build, argnames))
        return True

    for name in item.fixturenames:
        shareable(name)
    if not steps:
        return None
    return PersonaPlan(item.nodeid.split("::", 1)[0], steps)


def database_ready():
    """Called once the test database exists (``django_db_setup`` in ``tests/conftest.py``)."""
    global _database_ready
    _database_ready = True


def close_all():
    PERSONAS.close()
    for snapshot in _snapshots:
        snapshot.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of ``item``: roll back the snapshots it does not want, open those it does."""
    from pytest_django.plugin import blocking_manager_key

    plan = persona_plan(item)
    if PERSONAS.is_open and (plan is None or plan.key != PERSONAS.key):
        PERSONAS.close()
    for snapshot in _snapshots:
        wanted = snapshot.wanted_by(item)
        if snapshot.is_open and not wanted:
            snapshot.close()
        elif wanted and not snapshot.is_open and _database_ready:
            snapshot.open(item.config.stash[blocking_manager_key])
    if plan is not None and not PERSONAS.is_open and _database_ready:
        PERSONAS.open(item.config.stash[blocking_manager_key], plan)
    PERSONAS.begin_test()


def pytest_collection_modifyitems(items):
    """Within each module, run the tests that share a snapshot one after another: the world's users,
    then each set of personas (order kept otherwise)."""
    module_first, plan_first, key = {}, {}, {}
    for index, item in enumerate(items):
        first = module_first.setdefault(item.nodeid.split("::", 1)[0], index)
        group = next((n for n, snapshot in enumerate(_snapshots) if snapshot.wanted_by(item)), -1)
        plan = persona_plan(item)
        personas = plan_first.setdefault(plan.key, index) if plan is not None else -1
        key[item] = (first, group, personas, index)
    items.sort(key=key.__getitem__)

"""Where the suite's time goes: per fixture and per folder, summed over the run.

``pytest --folder-durations`` prints the time of every test (set-up, call and teardown) summed
per folder of ``tests/`` (a top-level test file counts as its own folder), with the test count;
under pytest-xdist the controller adds up its workers' reports. With ``--durations=N`` (pytest's
own, per test) these are what ``docs/testing.md`` was measured with.

``pytest --fixture-durations=30`` prints the 30 fixtures whose set-ups cost the most, with their
call counts. A fixture's time is its own code only: the fixtures it asks for are set up before
pytest's ``pytest_fixture_setup`` hook runs, and are counted under their own names. Under
pytest-xdist each worker writes its sums to a file in a temporary folder and the controller adds
them up, so the summary covers the whole parallel run. ``docs/testing.md`` records what it found.
"""

import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

_totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


_folders: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def pytest_addoption(parser):
    parser.addoption(
        "--folder-durations",
        action="store_true",
        default=False,
        help="show the time of the tests summed per folder of tests/",
    )
    parser.addoption(
        "--fixture-durations",
        type=int,
        default=None,
        metavar="N",
        help="show the N fixtures whose set-up took the longest in all (0 for all)",
    )


def _enabled(config) -> bool:
    return config.getoption("fixture_durations") is not None


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if not _enabled(request.config):
        yield
        return
    started = time.perf_counter()
    yield
    entry = _totals[f"{fixturedef.argname} ({fixturedef.baseid or 'plugin'})"]
    entry[0] += time.perf_counter() - started
    entry[1] += 1


def _share_dir(config) -> Path:
    """A folder the controller names and its xdist workers inherit through the environment."""
    folder = os.environ.get("FIXTURE_TIMING_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="fixture-timing-")
        os.environ["FIXTURE_TIMING_DIR"] = folder
    return Path(folder)


def pytest_configure(config):
    if _enabled(config) and not hasattr(config, "workerinput"):
        _share_dir(config)  # set before xdist starts its workers, so they inherit it


def pytest_sessionfinish(session):
    config = session.config
    if not _enabled(config):
        return
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    (_share_dir(config) / f"{worker}.json").write_text(json.dumps(dict(_totals)))


def folder_of(nodeid: str) -> str:
    """``tests/accounts/test_x.py::t`` → ``tests/accounts``; ``tests/test_x.py::t`` → ``tests/test_x.py``."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 1 else path


def pytest_runtest_logreport(report):
    entry = _folders[folder_of(report.nodeid)]
    entry[0] += report.duration
    if report.when == "call" or (report.when == "setup" and report.skipped):
        entry[1] += 1


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):
        return
    if config.getoption("folder_durations"):
        terminalreporter.write_sep("=", "time per folder (set-up + call + teardown, summed over workers)")
        total = sum(seconds for seconds, _count in _folders.values())
        for folder, (seconds, count) in sorted(_folders.items(), key=lambda item: item[1][0], reverse=True):
            terminalreporter.write_line(f"{seconds:9.1f}s {count:6d} tests  {folder}")
        terminalreporter.write_line(f"{total:9.1f}s {sum(c for _s, c in _folders.values()):6d} tests  in all")
    if not _enabled(config):
        return
    combined: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for path in _share_dir(config).glob("*.json"):
        for name, (seconds, calls) in json.loads(path.read_text()).items():
            combined[name][0] += seconds
            combined[name][1] += calls
    ranked = sorted(combined.items(), key=lambda item: item[1][0], reverse=True)
    limit = config.getoption("fixture_durations") or len(ranked)
    terminalreporter.write_sep("=", f"slowest {min(limit, len(ranked))} fixture set-ups (summed)")
    for name, (seconds, calls) in ranked[:limit]:
        terminalreporter.write_line(f"{seconds:9.2f}s {calls:6d}x  {name}")

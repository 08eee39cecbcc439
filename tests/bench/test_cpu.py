"""The CPU meter's accounting (``bench/cpu.py``): it reads the gunicorn workers and the backends of
their own connections only (issue 27), so other connections to the server never land in a page's
figure. Made-up samples, ``/proc``, and on PostgreSQL one real pair of connections."""

import os
import subprocess
import sys
import time

import pytest

from bench import cpu
from bench.cpu import Meter, Sample

BURN = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.3:\n    pass\n"


def test_a_process_cpu_time_is_read_and_a_gone_one_reads_as_none():
    child = subprocess.Popen([sys.executable, "-c", BURN])
    child.wait()
    assert cpu.process_cpu_seconds(os.getpid()) > 0
    assert cpu.process_cpu_seconds(child.pid) is None
    assert cpu.parent_pid(child.pid) is None


def _burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def test_a_thread_s_cpu_time_is_read_to_the_millisecond_not_in_clock_ticks():
    """Two milliseconds of work read as two, not as 0 or 10 (a clock tick): a backend that ran
    a few queries in a short window must not read as 0.0 ms (the served smoke run's failure)."""
    before = cpu.thread_cpu_seconds(os.getpid())
    _burn(0.002)
    grown = cpu.thread_cpu_seconds(os.getpid()) - before
    assert 0.0019 <= grown < 0.009
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu.thread_cpu_seconds(child.pid) is None


def test_backends_count_for_their_growth_and_new_ones_from_zero():
    # Backend 11 lived on (+0.5 s); 12 is new (0.3 s, its start-up is the requests' cost).
    before = Sample(app={1: 3.0}, db={11: 2.0})
    after = Sample(app={1: 3.5}, db={11: 2.5, 12: 0.3})
    cost = Meter.per_request(before, after, requests=100)
    assert cost["app_ms"] == pytest.approx(5.0)
    assert cost["db_ms"] == pytest.approx((0.5 + 0.3) * 1000 / 100)
    assert cost["total_ms"] == pytest.approx(cost["app_ms"] + cost["db_ms"])
    assert cost["db_complete"] is True


def test_a_backend_that_ended_in_the_window_makes_the_database_figure_a_lower_bound():
    before = Sample(app={1: 3.0}, db={10: 1.0, 11: 2.0})
    after = Sample(app={1: 3.5}, db={11: 2.5})
    cost = Meter.per_request(before, after, requests=100)
    assert cost["db_ms"] == pytest.approx(5.0)
    assert cost["db_complete"] is False


def test_no_requests_no_cost():
    cost = Meter.per_request(Sample(), Sample(), requests=0)
    assert (cost["app_ms"], cost["db_ms"], cost["total_ms"]) == (None, None, None)


@pytest.mark.postgres
def test_only_the_servers_own_connections_are_read_however_busy_another_one_is():
    """The meter reads the backend of a connection carrying the bench's application name and not
    that of another connection to the same database burning CPU in the same window (as another
    test suite on a shared box would)."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
        "dbname": settings["NAME"],
    }
    url = f"postgres://{server['user']}@{server['host']}:{server['port']}/{server['dbname']}"
    meter = Meter(os.getpid(), url, application_name="staffdesk-bench-test-meter")
    try:
        with psycopg.connect(**server, application_name="staffdesk-bench-test-meter", autocommit=True) as ours, psycopg.connect(
            **server, autocommit=True
        ) as other:
            ours_pid = ours.execute("SELECT pg_backend_pid()").fetchone()[0]
            other_pid = other.execute("SELECT pg_backend_pid()").fetchone()[0]
            before = meter.sample()
            assert set(before.db) == {ours_pid}
            other.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
            ours.execute("SELECT 1").fetchone()
            after = meter.sample()
    finally:
        meter.close()
    assert set(after.db) == {ours_pid} and other_pid not in after.db
    cost = Meter.per_request(before, after, requests=1)
    assert cost["db_complete"] is True
    assert cost["db_ms"] < 100  # the other connection burnt a few hundred ms; none of it is here


@pytest.mark.postgres
def test_a_backend_that_ran_one_short_query_reads_more_than_zero():
    """A query of a few milliseconds shows in the meter's database figure (ticks would read 0)."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    meter = Meter(os.getpid(), url, application_name="staffdesk-bench-test-meter-short")
    try:
        with psycopg.connect(
            host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"] or "postgres",
            dbname=settings["NAME"], application_name="staffdesk-bench-test-meter-short", autocommit=True,
        ) as ours:
            ours.execute("SELECT 1").fetchone()
            before = meter.sample()
            ours.execute("SELECT count(*) FROM generate_series(1, 20000)").fetchone()
            after = meter.sample()
    finally:
        meter.close()
    cost = Meter.per_request(before, after, requests=1)
    assert cost["db_complete"] is True
    assert 0 < cost["db_ms"] < 9, cost


class _ScriptedMeter:
    """Samples from a list: each window is (before, after)."""

    def __init__(self, samples):
        self.samples = list(samples)

    def sample(self):
        return self.samples.pop(0)

    per_request = staticmethod(Meter.per_request)


def _windows(monkeypatch, meter):
    import bench.__main__ as bench_main

    runs = []

    def run_load(base, path, headers, clients, seconds, wrk):
        runs.append(seconds)
        return {"requests": 100, "errors": 0, "p50_ms": 1.0, "p95_ms": 2.0, "max_ms": 3.0, "rps": 20.0}

    monkeypatch.setattr(bench_main, "_run_load", run_load)
    return bench_main.load("http://x", "/", {}, 1, 5, 0, meter=meter), runs


def test_a_window_in_which_a_connection_was_replaced_is_measured_again(monkeypatch):
    # Window 1: backend 10 reached its CONN_MAX_AGE and was replaced by 12; window 2 saw 12 whole.
    meter = _ScriptedMeter(
        [
            Sample(app={1: 3.0}, db={10: 1.0}),
            Sample(app={1: 3.5}, db={12: 0.1}),
            Sample(app={1: 3.5}, db={12: 0.1}),
            Sample(app={1: 4.0}, db={12: 0.6}),
        ]
    )
    result, runs = _windows(monkeypatch, meter)
    assert runs == [5, 5]
    assert result["cpu"]["db_complete"] is True
    assert result["cpu"]["windows"] == 2
    assert result["cpu"]["db_ms"] == pytest.approx(5.0)


def test_a_window_never_seen_whole_stays_a_lower_bound(monkeypatch):
    gone = [Sample(app={1: 3.0}, db={pid: 1.0}) if i % 2 == 0 else Sample(app={1: 3.5}, db={}) for i, pid in enumerate(range(6))]
    result, runs = _windows(monkeypatch, _ScriptedMeter(gone))
    assert len(runs) == 3
    assert result["cpu"]["db_complete"] is False
    assert result["cpu"]["windows"] == 3

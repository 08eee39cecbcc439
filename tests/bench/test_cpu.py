"""The CPU meter's accounting (``bench/cpu.py``): exited backends count through the postmaster's
reaped-children time, and nothing is counted twice. No database: ``/proc`` and made-up samples."""

import os
import subprocess
import sys
import time

import pytest

from bench import cpu
from bench.cpu import Meter, Sample, ended_backends_seconds

BURN = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.3:\n    pass\n"


def test_reaped_children_time_grows_by_what_a_reaped_child_burned():
    before = cpu.reaped_children_cpu_seconds(os.getpid())
    subprocess.run([sys.executable, "-c", BURN], check=True)  # waits: the child is reaped here
    after = cpu.reaped_children_cpu_seconds(os.getpid())
    # at least the 0.3 s the child spun for (less a clock tick of rounding), never its wall time
    assert after - before >= 0.3 - 2 / cpu.TICKS


def test_a_live_child_is_not_in_the_reaped_time_until_it_is_reaped():
    before = cpu.reaped_children_cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", BURN + "import sys\nsys.stdin.read()\n"], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while (cpu.process_cpu_seconds(child.pid) or 0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.01)  # until it has burned its share, still running
        assert cpu.reaped_children_cpu_seconds(os.getpid()) - before < 0.1
        assert cpu.parent_pid(child.pid) == os.getpid()
        assert child.pid in cpu.children(os.getpid())
    finally:
        child.communicate(b"")
    assert cpu.reaped_children_cpu_seconds(os.getpid()) - before >= 0.3 - 2 / cpu.TICKS


def test_a_process_that_has_gone_reads_as_none():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu.process_cpu_seconds(child.pid) is None
    assert cpu.reaped_children_cpu_seconds(child.pid) is None
    assert cpu.parent_pid(child.pid) is None


def test_backends_that_ended_in_the_window_count_only_for_their_time_inside_it():
    # Backend 10 had spent 1.0 s at the first sample and ended with 1.2 s (0.2 s inside the window);
    # another came and went inside the window with 0.4 s; backend 11 lived on (+0.5 s); 12 is new (0.3 s).
    before = Sample(app={1: 3.0}, db={10: 1.0, 11: 2.0}, reaped=50.0)
    after = Sample(app={1: 3.5}, db={11: 2.5, 12: 0.3}, reaped=50.0 + 1.2 + 0.4)
    assert ended_backends_seconds(before, after) == pytest.approx(0.6)
    cost = Meter.per_request(before, after, requests=100)
    assert cost["app_ms"] == pytest.approx(5.0)
    assert cost["db_ms"] == pytest.approx((0.5 + 0.3 + 0.6) * 1000 / 100)
    assert cost["total_ms"] == pytest.approx(cost["app_ms"] + cost["db_ms"])


def test_another_process_of_the_server_ending_in_the_window_counts_only_for_its_time_inside_it():
    # Another database's connection had spent 5 s when the window opened and ended inside it with
    # 5.1 s (another bench's server stopping); an autovacuum worker lived on. Only 0.1 s is ours to
    # over-count, not the 5 s it spent before.
    before = Sample(app={1: 3.0}, db={11: 2.0}, reaped=50.0, others={90: 5.0, 91: 0.2})
    after = Sample(app={1: 3.5}, db={11: 2.5}, reaped=50.0 + 5.1, others={91: 0.4})
    assert ended_backends_seconds(before, after) == pytest.approx(0.1)
    assert Meter.per_request(before, after, requests=100)["db_ms"] == pytest.approx((0.5 + 0.1) * 1000 / 100)


def test_without_the_postmaster_only_live_backends_count():
    before = Sample(app={1: 1.0}, db={10: 1.0}, reaped=None)
    after = Sample(app={1: 1.1}, db={10: 1.2}, reaped=None)
    assert Meter.per_request(before, after, requests=10)["db_ms"] == pytest.approx(20.0)


def test_no_requests_no_cost():
    assert Meter.per_request(Sample(), Sample(), requests=0) == {"app_ms": None, "db_ms": None, "total_ms": None}


@pytest.mark.postgres
def test_a_backend_that_ends_inside_the_window_is_counted_through_the_postmaster():
    """As under ``--server asgi`` (a connection per request): the backend is gone by the second
    sample, so only the postmaster's reaped-children time shows what it spent."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
    }
    url = f"postgres://{server['user']}@{server['host']}:{server['port']}/no_such_bench_database"
    meter = Meter(os.getpid(), url)
    try:
        before = meter.sample()
        assert meter.postmaster_pid and before.reaped is not None
        with psycopg.connect(**server, dbname="postgres") as burner:
            pid = burner.execute("SELECT pg_backend_pid()").fetchone()[0]
            assert cpu.parent_pid(pid) == meter.postmaster_pid
            burner.execute("SELECT count(*) FROM generate_series(1, 5000000)").fetchone()
            spent = cpu.process_cpu_seconds(pid)
        deadline = time.monotonic() + 10
        while cpu.process_cpu_seconds(pid) is not None and time.monotonic() < deadline:
            time.sleep(0.01)  # until the postmaster has reaped it
        after = meter.sample()
    finally:
        meter.close()
    assert spent >= 0.1
    assert pid not in after.db and pid not in after.others
    assert ended_backends_seconds(before, after) >= spent - 2 / cpu.TICKS

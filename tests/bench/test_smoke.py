"""A tiny-scale run of the whole benchmark (``python -m bench``), so that it never rots.

It builds the data set at 1/2000 of R-41 in its own database (operation accounts, task orders and
chat conversations included), counts queries, compares the visibility queries, serves the app with
gunicorn and loads every page over HTTP for a second, reading the server's CPU per request
(gunicorn workers + PostgreSQL backends) around each window. Then it serves the same database as
``config/serve.sh`` does (``--server proxied``: nginx in front of sync workers for the pages and
an ASGI worker for the chat's streams) for one page, loaded through nginx, whose workers' CPU the
meter reads with the pages' workers' and their backends'.
Nothing here asserts a timing: it checks that every step ran and every page answered 200.
"""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.throwaway import missing

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent.parent
SMOKE_DB = "staffdesk_bench_smoke"


def _server():
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
    }


def _drop(database):
    import psycopg

    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _free_port():
    """A port whose next two are free as well (``--server proxied`` listens on all three), taken
    below Linux's ephemeral range (32768 and up), where the suite's own outgoing connections would
    otherwise hold one of the three now and then."""
    for _try in range(200):
        base = random.randrange(20000, 32000)
        sockets = []
        try:
            for port in range(base, base + 3):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no three consecutive free ports between 20000 and 32000")


def _bench(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "bench", "--port", str(_free_port()), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end_at_tiny_scale(tmp_path):
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        missing("nginx", "apt-get install nginx (config/test.sh installs it): the served run goes through it")
    server = _server()
    password = f":{server['password']}" if server["password"] else ""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["BENCH_DATABASE_URL"] = f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{SMOKE_DB}"
    report, raw = tmp_path / "smoke.md", tmp_path / "smoke.json"
    served_report, served_raw = tmp_path / "served.md", tmp_path / "served.json"
    served = None
    try:
        # Every row, each loaded for a tenth of a second by bench/loadgen.py (wrk counts whole
        # seconds); the served run below goes through wrk and its report script.
        result = _bench(
            env, "--scale", "0.0005", "--load-generator", "python", "--seconds", "0.1", "--warmup", "0", "--in-process-repeat", "2",
            # Two workers: each one started imports the whole project, and a smoke run needs no more.
            "--workers", "2", "--output", str(report), "--json", str(raw),
        )
        if result.returncode == 0:
            served = _bench(
                env, "--reuse", "--server", "proxied", "--pages", "chat workbench", "--seconds", "1", "--warmup", "0",
                "--in-process-repeat", "2", "--workers", "2",
                "--output", str(served_report), "--json", str(served_raw),
            )
    finally:
        _drop(SMOKE_DB)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    results = json.loads(raw.read_text(encoding="utf-8"))
    from bench.__main__ import pages

    expected = {(name, persona) for name, _path, who in pages() for persona in who}
    assert {(p["page"], p["persona"]) for p in results["pages"]} == expected
    measured = {(p["page"], p["persona"]) for p in results["pages"]}
    # issue 16: the pages of operation accounts and the customer chat each have their rows
    for row in [
        ("operation accounts", "owner"),
        ("task orders, first page", "owner"),
        ("operation account statement", "ops_individual"),
        ("my task orders (operation account)", "ops_individual"),
        ("chat workbench", "chat_staff"),
        ("chat conversation", "owner"),
        ("chat history search", "admin_l1"),
        ("chat live view", "owner"),
        # issue 27: the floor, the login page and the dashboard
        ("empty authenticated page (the floor)", "staff_l3"),
        ("login page", "anonymous"),
        ("dashboard", "owner"),
        ("dashboard", "admin_l1"),
        ("dashboard", "staff_l3"),
    ]:
        assert row in measured, row
    assert results["server"]["mode"] == "sync"
    for page in results["pages"]:
        assert page["status"] == 200, page
        for load in (page["one_client"], page["eight_clients"]):
            assert load["requests"] > 0 and load["errors"] == 0, page
            # the server's CPU per request, app + database, was measured over the window
            cpu = load["cpu"]
            assert cpu["app_ms"] > 0 and cpu["db_ms"] >= 0, page
            assert cpu["total_ms"] == pytest.approx(cpu["app_ms"] + cpu["db_ms"], abs=0.02), page
            assert cpu["db_complete"], page  # persistent connections: every backend seen whole
        assert page["in_process_cpu"]["app_ms"] > 0, page
    for persona, rows in results["visibility"].items():
        assert [row["set"] for row in rows] == ["campaigns", "products"]
        assert all(row["same_rows"] for row in rows), (persona, rows)
    assert results["batch_import"]["rows"] == 50
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    assert "| CPU ms/req (1) | CPU ms/req (8) |" in text
    first_page = results["pages"][0]
    assert f"| {first_page['page']} | {first_page['persona']} | 200 | {first_page['queries']} | {first_page['in_process_cpu']['total_ms']:.1f} (" in text
    assert "Server: **sync**" in text

    # Through nginx to the pages' sync workers, whose connections persist: the meter reads their backends.
    assert served is not None and served.returncode == 0, served.stdout[-3000:] + served.stderr[-3000:]
    served_results = json.loads(served_raw.read_text(encoding="utf-8"))
    assert served_results["server"]["mode"] == "proxied"
    assert {(p["page"], p["persona"]) for p in served_results["pages"]} == {
        ("chat workbench", "owner"),
        ("chat workbench", "chat_staff"),
    }
    for page in served_results["pages"]:
        assert page["status"] == 200, page
        for load in (page["one_client"], page["eight_clients"]):
            assert load["requests"] > 0 and load["errors"] == 0, page
            assert load["cpu"]["app_ms"] > 0 and load["cpu"]["db_ms"] > 0 and load["cpu"]["db_complete"], page
    served_text = served_report.read_text(encoding="utf-8")
    assert "Server: **proxied**" in served_text and "config/serve_proxied.sh" in served_text

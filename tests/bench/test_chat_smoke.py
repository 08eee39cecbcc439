"""A tiny run of the customer-chat benchmark (``python -m bench.chat``), so that it never rots.

Three buyers for two seconds per mode, on a port and a database of its own. Nothing here asserts
a timing: it checks that both modes ran, every buyer connected and every message came back.
"""

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.bench.test_smoke import ROOT, _drop, _server

pytestmark = pytest.mark.postgres

SMOKE_DB = "staffdesk_bench_chat_smoke"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_chat_benchmark_runs_both_modes_end_to_end(tmp_path, redis_url):
    server = _server()
    password = f":{server['password']}" if server["password"] else ""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["BENCH_CHAT_DATABASE_URL"] = f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{SMOKE_DB}"
    env["BENCH_CHAT_PORT"] = str(_free_port())
    env["CHAT_REDIS_URL"] = f"{redis_url}/0"
    report, raw = tmp_path / "chat.md", tmp_path / "chat.json"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.chat", "--buyers", "3", "--seconds", "2", "--interval", "0.5",
             "--routing-seconds", "0.5", "--reassign", "5", "--output", str(report), "--json", str(raw)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        _drop(SMOKE_DB)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    results = json.loads(raw.read_text(encoding="utf-8"))
    assert [mode["mode"] for mode in results["modes"]] == ["redis", "poll"]
    assert results["reassign_seconds"] > 0  # the dropped member's conversations were all routed again
    for mode in results["modes"]:
        assert mode["connected"] == 3 and mode["errors"] == 0 and mode["lost"] == 0, mode
        assert mode["received"] == mode["sent"] > 0, mode
        assert mode["routing_per_second"] > 0
    assert report.read_text(encoding="utf-8").startswith("# Customer-chat benchmark")

"""Customer-chat benchmark (R-36): ``.venv/bin/python -m bench.chat [--buyers 200] [--seconds 20]``.

Side by side, on the same data and the same server (gunicorn, uvicorn workers, PostgreSQL):

* **doorbell** (what ships): each event stream sleeps until Redis pub/sub rings for its
  conversation, then reads the database;
* **polling** (the simplest alternative): each stream reads the database every
  ``CHAT_POLL_SECONDS`` (1 s) whether anything happened or not.

For each, ``--buyers`` buyers (200) each hold an open event stream and send a message every
``--interval`` seconds (4 s, jittered); the round trip is from sending the POST to seeing that
message arrive on the buyer's own stream (write, commit, wake, read, push). Meanwhile routing
decisions per second are measured in this process (``conversation_start`` from 4 threads against
5 online members), and the database's committed transactions per second are read from
``pg_stat_database``. Results: ``bench/results/chat-<date>.md`` (``--output`` to change).

It recreates the database ``staffdesk_bench_chat`` (``BENCH_CHAT_DATABASE_URL``).
"""

import argparse
import asyncio
import datetime
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench import port_is_free
from utilities.encoding import dumps
from bench.__main__ import ROOT, machine_facts, recreate_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/staffdesk_bench_chat"
PORT = int(os.environ.get("BENCH_CHAT_PORT", "8766"))
SLUG = "benchshop"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=200, help="concurrent buyer connections (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per mode (default 20)")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between one buyer's messages (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn uvicorn workers (default 2)")
    parser.add_argument("--routing-seconds", type=float, default=5.0, help="seconds of routing measurement per mode")
    parser.add_argument("--reassign", type=int, default=50, help="open conversations of the member that drops (default 50)")
    parser.add_argument(
        "--routing-only", action="store_true", help="measure routing and reassignment only, without the buyers' streams"
    )
    parser.add_argument("--output", type=Path, default=None, help="results file (default bench/results/chat-<date>.md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON here")
    return parser.parse_args(argv)


# Data ---------------------------------------------------------------------------------------------


def build(buyers):
    """A tenant with 5 online members in one group and one open conversation per buyer."""
    from django.utils import timezone

    from accounts.models import Tenant, User
    from chat import services
    from chat.models import Conversation, Presence
    from accounts.permissions import catalogue_permissions
    from orgchart.services import department_create, position_create

    tenant = Tenant.objects.create(slug=SLUG, name="Bench shop", dingtalk_completed_at=timezone.now())
    owner = User.objects.create(username="bench_owner", tenant=tenant, kind=User.Kind.OWNER)
    department = department_create(actor=owner, tenant=tenant, name="Service")
    position = position_create(
        actor=owner, tenant=tenant, name="CS", permissions=list(catalogue_permissions().filter(codename="customer_chat"))
    )
    group = services.group_create(actor=owner, name="Pre-sales")
    # Every buyer is served (no queue) so that the streams measure delivery, not waiting.
    services.group_update(actor=owner, group=group, name=group.name, reception_cap=200)
    services.settings_update(actor=owner, main_account_mode="never", unassigned_cap=10_000)
    members = []
    for n in range(5):
        members.append(
            User.objects.create(
                username=f"{SLUG}:agent{n}",
                account_name=f"agent{n}",
                display_name=f"Agent {n}",
                tenant=tenant,
                kind=User.Kind.STAFF,
                department=department,
                position=position,
                identity_status=User.IdentityStatus.VERIFIED,
                mobile=f"1390000{n:04d}",
            )
        )
    for member in members:
        services.member_add(actor=owner, group=group, user=member)
        Presence.objects.create(
            tenant=tenant, user=member, status=Presence.Status.ONLINE, last_seen_at=timezone.now() + datetime.timedelta(days=1)
        )
    conversations = [
        services.conversation_start(group=group, nickname=f"buyer{n}", body="hello") for n in range(buyers)
    ]
    assert not Conversation.objects.filter(is_overflow=True).exists()
    return group, conversations


def buyer_cookie(conversation):
    from django.core import signing

    from chat.buyer import COOKIE, COOKIE_SALT

    salt = f"{COOKIE_SALT}:{conversation.tenant_id}"
    return f"{COOKIE}={signing.get_cookie_signer(salt=COOKIE + salt).sign(str(conversation.buyer_key))}"


# Routing decisions per second, in this process ----------------------------------------------------


def measure_routing(group, seconds, threads=4):
    from django.db import connection

    from chat import services
    from chat.models import Conversation

    done = []
    stop = time.monotonic() + seconds

    def worker():
        count = 0
        try:
            while time.monotonic() < stop:
                services.conversation_start(group=group, nickname="router", body="routing")
                count += 1
        finally:
            connection.close()
            done.append(count)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    # Close what was opened so that the buyers' load stays the same across modes.
    Conversation.objects.filter(buyer_nickname="router").update(status="closed")
    return sum(done) / elapsed


def measure_reassign(group, count):
    """Seconds for the worker's sweep to route again the ``count`` open conversations of a member
    whose connection was lost past the grace period (the path a closed browser takes, R-36)."""
    from django.utils import timezone

    from accounts.models import User
    from chat import services
    from chat.models import Conversation, Presence
    from chat.sweep import sweep_tenant

    owner = User.objects.get(tenant=group.tenant, kind=User.Kind.OWNER)
    template = User.objects.filter(tenant=group.tenant, kind=User.Kind.STAFF).first()
    dropper = User.objects.create(
        username=f"{SLUG}:dropper",
        account_name="dropper",
        display_name="Dropper",
        tenant=group.tenant,
        kind=User.Kind.STAFF,
        department=template.department,
        position=template.position,
        identity_status=User.IdentityStatus.VERIFIED,
        mobile="13911110000",
    )
    services.member_add(actor=owner, group=group, user=dropper)
    Presence.objects.create(tenant=group.tenant, user=dropper, status=Presence.Status.ONLINE, last_seen_at=timezone.now())
    mine = [services.conversation_start(group=group, nickname=f"dropped{n}", body="hello").pk for n in range(count)]
    Conversation.objects.filter(pk__in=mine).update(assignee=dropper)
    lost = timezone.now() - datetime.timedelta(days=2)  # past the grace period and the TTL (a day here)
    Presence.objects.filter(user=dropper).update(last_seen_at=lost)
    started = time.monotonic()
    released, _handed = sweep_tenant(group.tenant)
    elapsed = time.monotonic() - started
    assert released == count and not Conversation.objects.filter(assignee=dropper, status="open").exists()
    Conversation.objects.filter(pk__in=mine).update(status="closed", waiting_since=None)
    return elapsed


def committed_transactions():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


# The server ------------------------------------------------------------------------------------


def start_server(url, workers, push):
    if not port_is_free(PORT):
        raise SystemExit(f"port {PORT} is taken (another benchmark still running?); set BENCH_CHAT_PORT")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NOTIFICATION_BACKENDS": "inbox",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "CHAT_PUSH": push,
        "CHAT_POLL_SECONDS": "1.0",
        "CHAT_CHANNEL_PREFIX": f"bench-chat-{os.getpid()}:",
        "CHAT_MESSAGE_RATE_LIMIT": "0",
        "CHAT_START_RATE_LIMIT": "0",
        "CONN_MAX_AGE": "0",
        "DATABASE_POOL_SIZE": "16",  # per worker: what README's Operations recommends under ASGI
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "config.asgi:application",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{PORT}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/chat/s/{SLUG}/", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


# The buyers (asyncio, raw HTTP/1.1) ---------------------------------------------------------------


async def _read_headers(reader):
    status = (await reader.readline()).decode()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return int(status.split()[1])


async def _chunks(reader):
    """The body of a chunked response, chunk by chunk."""
    while True:
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            return
        data = await reader.readexactly(size)
        await reader.readexactly(2)
        yield data


async def buyer(n, cookie, csrf, args, results, ready, go):
    sent = {}
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(
        (
            f"GET /chat/s/{SLUG}/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            f"Cookie: {cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    if await _read_headers(reader) != 200:
        results["errors"] += 1
        return

    async def listen():
        buffer = b""
        async for chunk in _chunks(reader):
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                for line in event.decode().splitlines():
                    if line.startswith("data: ") and '"rt-' in line:
                        token = json.loads(line[6:])["text"]
                        if token in sent:
                            results["latencies"].append(time.perf_counter() - sent.pop(token))

    listener = asyncio.create_task(listen())
    ready.append(n)
    await go.wait()
    await asyncio.sleep(random.uniform(0, args.interval))
    count = 0
    while time.monotonic() < STOP["at"]:
        token = f"rt-{n}-{count}"
        count += 1
        body = f"csrfmiddlewaretoken={csrf}&body={token}".encode()
        sent[token] = time.perf_counter()
        try:
            post_reader, post_writer = await asyncio.open_connection("127.0.0.1", PORT)
            post_writer.write(
                (
                    f"POST /chat/s/{SLUG}/send/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
                    f"Cookie: {cookie}; csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n"
                    f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: close\r\n\r\n"
                ).encode()
                + body
            )
            await post_writer.drain()
            status = await _read_headers(post_reader)
            post_writer.close()
            results["sent"] += 1
            if status != 201:
                results["errors"] += 1
        except OSError:
            results["errors"] += 1
        await asyncio.sleep(args.interval * random.uniform(0.8, 1.2))
    await asyncio.sleep(3)  # let the last ones arrive
    results["lost"] += len(sent)
    listener.cancel()
    writer.close()


STOP = {"at": 0.0}  # when the buyers stop sending; set once every stream is open


async def run_buyers(cookies, args, measure):
    csrf = secrets.token_hex(16)  # 32 characters, the form Django's CSRF check accepts
    results = {"latencies": [], "sent": 0, "errors": 0, "lost": 0}
    ready, go = [], asyncio.Event()
    tasks = [asyncio.create_task(buyer(n, c, csrf, args, results, ready, go)) for n, c in enumerate(cookies)]
    while len(ready) < len(cookies) and not all(t.done() for t in tasks):
        await asyncio.sleep(0.1)
    results["connected"] = len(ready)
    STOP["at"] = time.monotonic() + args.seconds
    go.set()
    extra = await asyncio.get_running_loop().run_in_executor(None, measure)
    await asyncio.gather(*tasks, return_exceptions=True)
    results.update(extra)
    return results


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def run_mode(url, args, group, cookies, push):
    process = start_server(url, args.workers, push)
    try:
        before = committed_transactions()
        started = time.monotonic()

        def measure():
            time.sleep(1)
            rate = measure_routing(group, args.routing_seconds)
            return {"routing_per_second": rate}

        results = asyncio.run(run_buyers(cookies, args, measure))
        elapsed = time.monotonic() - started
        results["db_transactions_per_second"] = (committed_transactions() - before) / elapsed
    finally:
        process.terminate()
        process.wait(timeout=20)
    latencies = [v * 1000 for v in results.pop("latencies")]
    results.update(
        {
            "mode": push,
            "received": len(latencies),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies) if latencies else None,
            "mean_ms": statistics.fmean(latencies) if latencies else None,
        }
    )
    return results


def render(args, facts, idle_routing, rows, reassign_seconds=None):
    def ms(value):
        return "—" if value is None else f"{value:,.0f}"

    lines = [
        f"# Customer-chat benchmark — {facts['date']}",
        "",
        f"`python -m bench.chat --buyers {args.buyers} --seconds {args.seconds:g} --interval {args.interval:g}`; "
        f"{facts['cores']} cores ({facts['cpu']}), Python {facts['python']}, PostgreSQL {facts['postgresql']}; "
        f"gunicorn with {args.workers} uvicorn workers; buyers from a separate process (asyncio, one event stream and "
        "one POST per message each); routing measured in the benchmark process with 4 threads.",
        "",
        "**The machine was shared with other engineers' work during this run** (load average "
        f"{facts['load']} over 1/5/15 minutes at the end, on {facts['cores']} cores): absolute numbers are",
        "noisy; the comparison between the two modes, run back to back, is what to read.",
        "",
        f"Routing with no buyer connected: **{idle_routing:,.0f} decisions/s**.",
        "",
        f"A member with {args.reassign} open conversations drops (connection lost past the grace period): "
        f"the worker's sweep routes all of them to the others in **{reassign_seconds * 1000:,.0f} ms** "
        "(one transaction under the tenant lock: each is a routing decision, a system line and an audit entry).",
        "",
        "| mode | buyers connected | messages sent | received | lost | errors | round trip p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | routing decisions/s under load | DB transactions/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {"redis": "doorbell (Redis pub/sub, shipped)", "poll": "database polling loop, every 1 s"}
    for row in rows:
        lines.append(
            f"| {names[row['mode']]} | {row['connected']} | {row['sent']} | {row['received']} | {row['lost']} | {row['errors']} "
            f"| {ms(row['p50_ms'])} | {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {ms(row['max_ms'])} "
            f"| {row['routing_per_second']:,.0f} | {row['db_transactions_per_second']:,.0f} |"
        )
    lines += [
        "",
        "Round trip: a buyer POSTs a message; the clock stops when that message arrives on the buyer's",
        "own event stream (stored, committed, stream woken, read from the database, pushed). A staff",
        "member's reply takes the same path. *Lost*: sent but not seen on the stream within 3 s of the end.",
        "",
        "Routing takes the tenant row lock for the whole decision (so that simultaneous arrivals are",
        "counted one after another, `tests/chat/test_concurrency.py`): decisions of one tenant are",
        "serial, bounded by one transaction's latency (about ten statements and a commit); different",
        "tenants route in parallel. It also competes for the same two cores as the buyers' load.",
        "",
        "What it shows: the polling loop pays a database read per open stream per second whether or",
        "not anything happened (the *DB transactions/s* column), and its round trip is bounded below by",
        "the poll interval (half of it on average); the doorbell reads only when something changed.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    url = os.environ.get("BENCH_CHAT_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    os.environ["CHAT_PRESENCE_TTL_SECONDS"] = "86400"
    os.environ["CHAT_START_RATE_LIMIT"] = "0"
    os.environ["CHAT_CHANNEL_PREFIX"] = f"bench-chat-{os.getpid()}:"
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"==> {args.buyers} conversations for {args.buyers} buyers", flush=True)
    group, conversations = build(args.buyers)
    cookies = [buyer_cookie(c) for c in conversations]
    idle = measure_routing(group, args.routing_seconds)
    print(f"==> routing, idle: {idle:,.0f}/s", flush=True)
    reassign = measure_reassign(group, args.reassign)
    print(f"==> reassigning {args.reassign} conversations of a dropped member: {reassign * 1000:,.0f} ms", flush=True)
    rows = []
    for push in () if args.routing_only else ("redis", "poll"):
        print(f"==> mode {push}: {args.buyers} buyers for {args.seconds:g} s", flush=True)
        row = run_mode(url, args, group, cookies, push)
        print(dumps(row), flush=True)
        rows.append(row)
    facts = machine_facts()
    facts["load"] = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    text = render(args, facts, idle, rows, reassign)
    output = args.output or ROOT / "bench" / "results" / f"chat-{datetime.date.today():%Y-%m-%d}.md"
    output.write_text(text, encoding="utf-8")
    print(f"==> {output}")
    if args.json:
        args.json.write_text(dumps({"idle_routing": idle, "reassign_seconds": reassign, "modes": rows}, indent=2))
    return rows


if __name__ == "__main__":
    main()

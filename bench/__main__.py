"""The benchmark suite (R-41): ``.venv/bin/python -m bench [--scale 1.0]``.

1. Recreates the PostgreSQL database ``staffdesk_bench`` (``BENCH_DATABASE_URL`` to change it),
   migrates it and builds the dataset (``bench/dataset.py``).
2. Counts queries per request for every page and persona in-process, and times the visibility
   filtering three ways (``bench/compare.py``).
3. Serves the app with gunicorn and measures each page over real HTTP from a separate process
   (wrk, or ``bench/loadgen.py``) with 1 and 8 clients after a warm-up, reading the server's CPU
   time per request (gunicorn workers + PostgreSQL backends, ``bench/cpu.py``) around each window.
   ``--server`` chooses how it is served: ``sync`` (sync workers, WSGI, connections kept for 600 s:
   the page cost alone), ``proxied`` (as ``config/serve.sh`` serves: ``config/serve_proxied.sh``,
   nginx in front of the pages' sync workers, persistent connections, and of the ASGI workers
   that hold the chat's streams; the load goes through nginx, whose workers' CPU counts too),
   ``asgi`` (every page through uvicorn workers, ``CONN_MAX_AGE=0``, so every request also opens
   a PostgreSQL connection: how ``config/serve.sh`` served before issue 27) or ``asgi-pool``
   (the same with ``DATABASE_POOL_SIZE``: a psycopg pool per worker).
4. Times the batch import of a 50-row file.
5. Writes ``bench/results/<date>-scale-<scale>[-<server>].md`` and ``bench/results/LATEST.md``
   (``LATEST-<server>.md`` for the served configurations).

``--pages SUBSTRING`` measures only the pages whose name contains it (and skips the visibility
comparison and the batch import): a quick run of the pages one works on.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from . import port_is_free
from .cpu import APPLICATION_NAME

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/staffdesk_bench"
PORT = 8765
IN_PROCESS_REPEAT = 40  # requests per row for the in-process CPU figure
# The chat doorbell's Redis channels: the bench's own, so that its writes wake nobody else's streams.
CHAT_CHANNEL_PREFIX = "staffdesk-bench:chat:"

# How ``--server`` serves the app. ``sync`` is what the targets were set against; ``proxied`` is
# what ``config/serve.sh`` runs (``config/serve_proxied.sh``: nginx, the pages on sync workers,
# the streams on ASGI workers, each with the connection settings that script chooses; its
# PAGES_*/STREAMS_* variables pass through); ``asgi`` and ``asgi-pool`` are how it served every
# page before issue 27: gunicorn with uvicorn's worker, 2 workers, and the settings' defaults
# (CONN_MAX_AGE 0; no pool unless DATABASE_POOL_SIZE).
SERVERS = {
    "sync": {
        "app": "config.wsgi:application",
        "worker_class": None,
        "workers": 5,
        "env": {"CONN_MAX_AGE": "600"},
        "label": "gunicorn, sync workers (WSGI), CONN_MAX_AGE=600",
    },
    "proxied": {
        "script": "config/serve_proxied.sh",
        "workers": 2 * (os.cpu_count() or 1) + 1,  # the script's default, 2 × cores + 1
        "env": {},
        "label": "config/serve_proxied.sh as config/serve.sh runs it: nginx in front, the pages on gunicorn sync "
        "workers (WSGI, CONN_MAX_AGE=600), the chat's streams on 1 ASGI worker (psycopg pool); CPU = nginx workers "
        "+ the pages' workers + their backends",
    },
    "asgi": {
        "app": "config.asgi:application",
        "worker_class": "uvicorn_worker.UvicornWorker",
        "workers": 2,
        "env": {},
        # A connection (a backend) per request: the meter cannot see those backends.
        "persistent_connections": False,
        "label": "gunicorn with uvicorn_worker.UvicornWorker (ASGI) for every page, as config/serve.sh served before issue 27, CONN_MAX_AGE=0 (a connection per request)",
    },
    "asgi-pool": {
        "app": "config.asgi:application",
        "worker_class": "uvicorn_worker.UvicornWorker",
        "workers": 2,
        "env": {"DATABASE_POOL_SIZE": "4"},
        "label": "gunicorn with uvicorn_worker.UvicornWorker (ASGI) for every page, as config/serve.sh served before issue 27, CONN_MAX_AGE=0, DATABASE_POOL_SIZE=4 (psycopg pool per worker)",
    },
}


# config/serve_proxied.sh's settings a run may override from the environment (named in the report).
PROXIED_SETTINGS = ("PAGES_CONN_MAX_AGE", "PAGES_POOL_SIZE", "STREAMS_WORKERS", "STREAMS_POOL_SIZE")


def server_label(server):
    """``SERVERS[server]``'s description, plus the ``PROXIED_SETTINGS`` this run overrides."""
    label = SERVERS[server]["label"]
    if "script" in SERVERS[server]:
        overrides = [f"{name}={os.environ[name]}" for name in PROXIED_SETTINGS if os.environ.get(name)]
        if overrides:
            label += " (overridden: " + ", ".join(overrides) + ")"
    return label


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplier of the R-41 counts (default 1.0)")
    parser.add_argument("--reuse", action="store_true", help="measure the existing bench database, do not rebuild")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per page and concurrency")
    parser.add_argument("--warmup", type=float, default=1.5, help="warm-up seconds before each measurement")
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="sync",
        help="sync: sync workers, CONN_MAX_AGE=600 (default); proxied: as config/serve.sh serves "
        "(config/serve_proxied.sh: nginx, pages on sync workers, streams on ASGI workers; load through nginx); "
        "asgi: every page on uvicorn workers, CONN_MAX_AGE=0 (config/serve.sh before issue 27); "
        "asgi-pool: the same with DATABASE_POOL_SIZE=4",
    )
    parser.add_argument(
        "--pooler",
        choices=("none", "pgbouncer"),
        default="none",
        help="pgbouncer: serve through Debian's PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer), "
        "its CPU counted with the database's (bench/pooler.py)",
    )
    parser.add_argument(
        "--replica",
        default=None,
        metavar="URL",
        help="serve with DATABASE_REPLICA_URL=URL (a streaming replica of the bench database): reports, exports, "
        "history and the audit log read it; the CPU columns still count the primary only",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers serving the pages (default 5 for sync, 2 × cores + 1 for proxied as config/serve.sh, 2 for asgi)",
    )
    parser.add_argument("--port", type=int, default=PORT, help=f"port the server listens on, 127.0.0.1 (default {PORT})")
    parser.add_argument(
        "--pages",
        action="append",
        default=None,
        metavar="SUBSTRING",
        help="measure only pages whose name contains SUBSTRING (case-insensitive; repeat for several)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="what sends the requests: wrk (whole seconds only), bench/loadgen.py (python; any duration), "
        "or auto: wrk when it is installed or can be (default)",
    )
    parser.add_argument(
        "--in-process-repeat",
        type=int,
        default=IN_PROCESS_REPEAT,
        help=f"requests per row for the in-process CPU figure (default {IN_PROCESS_REPEAT})",
    )
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurements (used by the smoke test)")
    parser.add_argument("--output", type=Path, default=None, help="results file (default bench/results/<date>-scale-<s>[-<server>].md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON to this file")
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = SERVERS[args.server]["workers"]
    return args


def database_url():
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def recreate_database(url):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres", autocommit=True
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    # The project's settings plus the bench's empty page (bench/settings.py).
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DEBUG"] = "false"
    # A persistent connection: the in-process CPU reads one backend's /proc (count_queries).
    os.environ["CONN_MAX_AGE"] = "600"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ["NOTIFICATION_BACKENDS"] = "inbox"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("CHAT_CHANNEL_PREFIX", CHAT_CHANNEL_PREFIX)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


CAMPAIGN_PERSONAS = ["owner", "admin_l1", "staff_l3"]  # the personas of the visibility comparison
OPS = "ops_individual"  # an operation account (individual) bound to the large tenant
CHAT = "chat_staff"  # a staff member holding customer chat, with conversations assigned


def pages():
    """``[(name, path, [personas it applies to])]`` — the R-41 page list. ``{placeholders}`` in a
    path are filled per persona by ``resolve``.

    Operation accounts: only the main account manages them in the large tenant (no position there
    holds ``manage_operation_accounts``). Chat: the main account and the chat staff member; the
    history also for the level-1 department admin, who reads the conversations served in its
    subtree (R-5). The chat's event streams are not measured (they do not end).
    """
    from utilities.pagination import COUNT_CAP

    deep = COUNT_CAP // 25  # the deepest page a capped list offers
    everyone = ["owner", "admin_l1", "staff_l3"]
    managers = ["owner", "admin_l1"]
    return [
        # The floor (issue 27): base.html with an empty block, through every middleware.
        (FLOOR_PAGE, EMPTY_PATH, everyone),
        ("login page", "/login/", [ANONYMOUS]),
        ("dashboard", "/", everyone),
        ("campaign list, first page", "/campaigns/", everyone),
        (f"campaign list, page {deep}", f"/campaigns/?page={deep}", everyone),
        ("campaign search", "/campaigns/?q=%E5%8F%8C%E5%8D%81%E4%B8%80%E6%9C%8D%E9%A5%B0", everyone),
        ("product list", "/campaigns/products/", everyone),
        (f"product list, page {deep}", f"/campaigns/products/?page={deep}", everyone),
        ("product detail", "/campaigns/products/{product}/", everyone),
        ("effect report, 30 days", "/campaigns/reports/?days=30&by=day", everyone),
        ("effect report, 90 days", "/campaigns/reports/?days=90&by=day", everyone),
        ("effect report by campaign, 30 days", "/campaigns/reports/?days=30&by=campaign", everyone),
        ("effect report by campaign, 90 days", "/campaigns/reports/?days=90&by=campaign", everyone),
        ("export of a 30-day report by campaign (CSV)", "/campaigns/reports/export.csv?days=30&by=campaign", everyone),
        ("staff list", "/staff/", managers),
        ("permission preview", "/staff/{staff}/permissions/", ["owner"]),
        ("org chart", "/orgchart/", ["owner"]),
        ("real-person verification", "/account/verification/", ["admin_l1", "staff_l3"]),
        ("my sessions", "/sessions/", everyone),
        ("SCIM GET /Users (first 100)", "/scim/v2/Users", [SCIM]),
        ("operation accounts", "/operations/accounts/", ["owner"]),
        ("operation account detail", "/operations/accounts/{binding}/", ["owner"]),
        ("operation tasks", "/operations/tasks/", ["owner"]),
        ("task orders, first page", "/operations/orders/", ["owner"]),
        ("task orders, delivered", "/operations/orders/?status=delivered", ["owner"]),
        ("operation account statement", "/operations/bindings/{binding}/statement/", ["owner", OPS]),
        ("my shops (operation account)", "/operations/my/", [OPS]),
        ("task area (operation account)", "/operations/my/{binding}/", [OPS]),
        ("my task orders (operation account)", "/operations/my/{binding}/orders/", [OPS]),
        ("chat workbench", "/chat/", ["owner", CHAT]),
        ("chat conversation", "/chat/conversations/{conversation}/", ["owner", CHAT]),
        ("chat history, first page", "/chat/history/", ["owner", "admin_l1", CHAT]),
        ("chat history search", "/chat/history/?q=%E7%89%A9%E6%B5%81", ["owner", "admin_l1", CHAT]),
        ("chat live view", "/chat/live/", ["owner"]),
        ("chat distribution settings", "/chat/distribution/", ["owner"]),
    ]


def select_pages(page_list, substrings):
    """The pages whose name contains one of ``substrings`` (case-insensitive); all for none."""
    if not substrings:
        return page_list
    chosen = [page for page in page_list if any(part.lower() in page[0].lower() for part in substrings)]
    if not chosen:
        raise SystemExit(f"no page name contains {' or '.join(map(repr, substrings))}; names: " + "; ".join(name for name, _p, _w in page_list))
    return chosen


SCIM = "scim_token"  # the identity provider: a bearer token, no session
ANONYMOUS = "anonymous"  # nobody logged in: no cookie
FLOOR_PAGE = "empty authenticated page (the floor)"
EMPTY_PATH = "/bench/empty/"  # bench/urls.py


def scim_secret(owner):
    """A SCIM token of the large tenant for the ``/scim/v2/`` rows (a new one each run; the
    bench database is the bench's own)."""
    from scim.services import scim_token_create

    _token, secret = scim_token_create(actor=owner, name=f"bench {datetime.datetime.now():%Y-%m-%d %H:%M:%S}")
    return secret


def credentials(persona, cookies, secret):
    """The request headers that identify ``persona``: its session cookie, or the SCIM token."""
    if persona == SCIM:
        return {"Authorization": f"Bearer {secret}"}
    if persona == ANONYMOUS:
        return {}
    return {"Cookie": cookies[persona]}


def resolve(path, persona, targets):
    """``path`` with its placeholders filled: ``targets`` maps each to one value, or to one per persona."""
    for key, value in targets.items():
        if isinstance(value, dict):
            value = value.get(persona)
        path = path.replace("{" + key + "}", str(value))
    return path


def find_targets(users):
    """The objects the pages' ``{placeholders}`` open: per persona a product it sees and a
    conversation (the chat staff member's newest open one; for the main account, the newest closed
    one it did not serve), the staff member whose permissions are previewed, and the operation
    account's binding with the large tenant."""
    from chat.models import Conversation
    from operations.models import OperationBinding

    owner, chat_staff = users["owner"], users[CHAT]
    return {
        "product": {name: visible_product(users[name]) for name in CAMPAIGN_PERSONAS},
        "staff": users["staff_l3"].pk,
        "binding": OperationBinding.objects.get(
            tenant_id=owner.tenant_id, account=users[OPS], status=OperationBinding.Status.ACTIVE
        ).pk,
        "conversation": {
            CHAT: Conversation.objects.filter(assignee=chat_staff, status=Conversation.Status.OPEN).order_by("-created_at").first().pk,
            "owner": Conversation.objects.filter(tenant_id=owner.tenant_id, status=Conversation.Status.CLOSED)
            .exclude(assignee=owner)
            .order_by("-created_at")
            .first()
            .pk,
        },
    }


def count_queries(persona_users, page_list, targets, secret, repeat=IN_PROCESS_REPEAT):
    """Per row, in this process through the whole middleware stack (Django's test client):
    ``{(page, persona): (queries, status, cpu)}``. ``cpu`` is ``{"app_ms", "db_ms", "total_ms"}``
    per request over ``repeat`` requests after two warm-ups: the median request's ``process_time``
    in this process, and the mean CPU of this connection's own backend over them
    (``pg_backend_pid()``, ``/proc/<pid>/schedstat``, ``bench.cpu.thread_cpu_seconds``; the
    connection is persistent). Neither moves with other work on the box; the test client's own share (building
    the request, reading the cookies) is in the app figure, a few hundredths of a millisecond."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .cpu import thread_cpu_seconds

    result = {}
    for name, path, who in page_list:
        for persona in who:
            if persona == SCIM:
                client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="zh-hans")
            elif persona == ANONYMOUS:
                client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            else:
                client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
                client.force_login(persona_users[persona])
            url = resolve(path, persona, targets)
            client.get(url)  # warm caches (permission ids, content types)
            # Each request empties the query log as it starts (``request_started``): start the
            # capture from an empty log, or it would count from the previous row's length.
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            count = len(captured)  # now: the capture reads the live query log
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            db_before, app_each = thread_cpu_seconds(backend), []
            for _ in range(repeat):
                started = time.process_time()
                client.get(url)
                app_each.append(time.process_time() - started)
            # The median request: a preempted or garbage-collecting one does not move it.
            app_ms = statistics.median(app_each) * 1000
            db_after = thread_cpu_seconds(backend)
            db_ms = (db_after - db_before) * 1000 / repeat if db_after is not None and db_before is not None else None
            cpu = {"app_ms": round(app_ms, 2), "db_ms": None if db_ms is None else round(db_ms, 2)}
            cpu["total_ms"] = None if db_ms is None else round(app_ms + db_ms, 2)
            result[(name, persona)] = (count, response.status_code, cpu)
    return result


def visible_product(user):
    from campaigns.visibility import products_visible_to

    return products_visible_to(user).order_by("-id").values_list("id", flat=True).first()


def session_cookie(base, username, password):
    """Log in through the real form and return the Cookie header value."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    opener.open(request).read()
    # Not the read-your-writes mark the login leaves (utilities.db_router.COOKIE): a browser drops
    # it after DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS, and the bench measures what comes after.
    cookies = {c.name: c.value for c in jar if c.name != "staffdesk_wrote"}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not log in as {username}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def start_server(url, workers, server="sync", port=PORT, extra_env=None):
    """Start the server as ``SERVERS[server]`` says, on 127.0.0.1:``port``; return
    ``(process, base URL, [pids whose children serve the pages])``.

    The connection settings come only from ``SERVERS`` (an inherited CONN_MAX_AGE or
    DATABASE_POOL_SIZE is dropped), so that ``asgi`` runs on the settings' defaults and
    ``proxied`` on ``config/serve_proxied.sh``'s own choice. ``proxied`` starts that script in a
    session of its own, with the pages' gunicorn on ``port`` + 1 and the streams' on ``port`` + 2;
    its pids are its pages' gunicorn master and nginx's master. Raises ``SystemExit`` when a port
    is taken or the server does not answer within 20 s.
    """
    mode = SERVERS[server]
    ports = [port, port + 1, port + 2] if "script" in mode else [port]
    if not all(port_is_free(each) for each in ports):
        raise SystemExit(f"port {port} (or the next two for proxied) is taken (another benchmark still running?); choose another with --port")
    mode = SERVERS[server]
    inherited = {k: v for k, v in os.environ.items() if k not in {"CONN_MAX_AGE", "DATABASE_POOL_SIZE"}}
    env = {
        **inherited,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # Every connection of the measured server carries this application_name, so that the CPU
        # meter reads exactly those backends (bench/cpu.py).
        "PGAPPNAME": APPLICATION_NAME,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NOTIFICATION_BACKENDS": "inbox",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "CHAT_CHANNEL_PREFIX": os.environ.get("CHAT_CHANNEL_PREFIX", CHAT_CHANNEL_PREFIX),
        **mode["env"],
        **(extra_env or {}),
    }
    if "script" in mode:
        env.update({"PORT": str(port), "PAGES_PORT": str(port + 1), "STREAMS_PORT": str(port + 2), "PAGES_WORKERS": str(workers)})
        # The script's log lines (gunicorn's access log) would fill the bench's output.
        process = subprocess.Popen(["bash", mode["script"]], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    else:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        worker_class = ["--worker-class", mode["worker_class"]] if mode["worker_class"] else []
        process = subprocess.Popen(
            [str(gunicorn), mode["app"], *worker_class, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the server ended (exit status {process.returncode}) before it answered") from None
            time.sleep(0.2)
    else:
        process.terminate()
        raise SystemExit("the server did not start")
    try:
        return process, base, serving_parents(process.pid, "script" in mode)
    except SystemExit:
        process.terminate()
        process.wait(30)
        raise


def serving_parents(pid, proxied):
    """The pids whose children serve the pages: ``pid`` (a gunicorn master), or for ``proxied``
    (``pid`` runs config/serve_proxied.sh) the pages' gunicorn master and nginx's master."""
    if not proxied:
        return [pid]
    from .cpu import children

    found = []
    for child in children(pid):
        try:
            name = Path(f"/proc/{child}/comm").read_text().strip()  # nginx renames its command line
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if name == "nginx" or any(b"config.wsgi" in part for part in command):
            found.append(child)
    if len(found) != 2:
        raise SystemExit(f"config/serve_proxied.sh: expected its pages' gunicorn and nginx, found {found}")
    return found


def ensure_period_totals(tenant_id):
    """Rebuild the 7/30/90-day totals when they are not for today (a ``--reuse`` run on a later
    day): the nightly ``refresh_effect_windows`` would have, and the bench runs no worker."""
    from django.db import connection
    from django.utils import timezone

    from campaigns import windows

    from .dataset import log

    if not windows.current(tenant_id, timezone.localdate()):
        started = time.monotonic()
        windows.rebuild(tenant_id)
        log(f"7/30/90-day totals rebuilt for today in {time.monotonic() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE campaigns_effectwindow")  # as autovacuum would shortly


def ensure_wrk():
    """Return the path of ``wrk`` (installing Debian's package when missing), or ``None``."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    installed = subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
    if installed.returncode != 0:
        from .dataset import log

        log("wrk is not installed and could not be installed: using bench/loadgen.py (Python) instead")
        return None
    return shutil.which("wrk")


# Windows measured again when a backend of the measured server ended inside one (``load``).
WINDOW_RETRIES = 2


def load(base, path, headers, clients, seconds, warmup, wrk=None, meter=None, retries=WINDOW_RETRIES):
    """Load ``path`` from a separate process: wrk when there is one, else ``bench/loadgen.py``.
    ``headers`` identify the persona (``credentials``: a session cookie or a bearer token).

    Returns ``{requests, errors, p50_ms, p95_ms, max_ms, rps}`` for the measured period only,
    plus ``cpu`` (``bench/cpu.py``: the server's CPU ms per request over that period) when a
    ``meter`` is given. The warm-up runs as its own load process, so that the CPU window holds
    exactly the measured requests. A window in which a backend of ``before`` ended (a persistent
    connection replaced at its ``CONN_MAX_AGE``) is measured again, up to ``retries`` times
    (none under ``--server asgi``, where every request's backend ends in its window);
    ``cpu["windows"]`` says how many windows were run, and ``db_complete`` stays false when none
    was seen whole.
    """
    if warmup:
        _run_load(base, path, headers, clients, warmup, wrk)
    for attempt in range(1 + retries):
        before = meter.sample() if meter else None
        result = _run_load(base, path, headers, clients, seconds, wrk)
        if not meter:
            return result
        result["cpu"] = meter.per_request(before, meter.sample(), result["requests"])
        if result["cpu"]["db_complete"]:
            break
        # A persistent connection reached its age (CONN_MAX_AGE) inside the window and was replaced:
        # what its backend spent before it ended cannot be read. The page did not cause that, so the
        # window is measured again with the new backend; the row records that it was.
    result["cpu"]["windows"] = attempt + 1
    return result


def _run_load(base, path, headers, clients, seconds, wrk):
    if wrk is None:
        flags = [arg for name, value in headers.items() for arg in ("--header", f"{name}: {value}")]
        output = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "loadgen.py"), base + path, *flags, "--clients", str(clients), "--seconds", str(seconds), "--warmup", "0"],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(output.stdout)
        result["errors"] += sum(n for status, n in result["statuses"].items() if not status.startswith("2"))
        return result
    threads = min(clients, 2)
    flags = [arg for name, value in {**headers, "Accept-Language": "zh-hans"}.items() for arg in ("-H", f"{name}: {value}")]
    script = ["-s", str(ROOT / "bench" / "wrk_report.lua")]
    common = [wrk, "-t", str(threads), "-c", str(clients), "--timeout", "30s", *flags, *script]
    output = subprocess.run([*common, "-d", f"{max(1, round(seconds))}s", base + path], capture_output=True, text=True, check=True)
    raw = json.loads(output.stdout.strip().splitlines()[-1])
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "errors": raw["socket_errors"] + raw["bad_status"],
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "rps": round(raw["requests"] / duration, 1) if duration else 0.0,
    }


def time_import(owner, rows=50, repeat=5):
    """Validate and commit a 50-row file inside a transaction that is rolled back each time."""
    import csv
    import io

    from django.db import transaction

    from staff import importer
    from staff.services.imports import staff_import
    from orgchart.forms import departments_with_paths
    from orgchart.models import Position

    departments = [d.path for d in departments_with_paths(owner.tenant) if d.level == 2]
    position = Position.objects.filter(tenant=owner.tenant).first().name
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importer.TEMPLATE_HEADER)
    for n in range(rows):
        writer.writerow([f"批量{n}", f"batch{n:02d}", f"1370000{n:04d}", departments[n % len(departments)], position, "否"])
    raw = buffer.getvalue().encode("utf-8-sig")
    tenant = owner.tenant
    tenant.staff_quota = 1000
    tenant.save(update_fields=["staff_quota"])
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                importer.validate(tenant=tenant, raw=raw, filename="batch.csv")
                staff_import(actor=owner, tenant=tenant, raw=raw, filename="batch.csv")
                raise _Rollback
        except _Rollback:
            pass
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"rows": rows, "p50_ms": round(timings[len(timings) // 2], 1), "max_ms": round(timings[-1], 1)}


class _Rollback(Exception):
    pass


def machine_facts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "postgresql": pg,
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def table_sizes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname, reltuples::bigint FROM pg_class
            WHERE relname IN ('accounts_tenant', 'accounts_user', 'orgchart_department', 'campaigns_campaign',
                              'campaigns_enrolledproduct', 'campaigns_effectdaily',
                              'campaigns_enrolledproductuserobjectpermission', 'campaigns_enrolledproductgroupobjectpermission',
                              'campaigns_campaignuserobjectpermission', 'campaigns_campaigngroupobjectpermission',
                              'guardian_userobjectpermission', 'operations_operationbinding', 'operations_task',
                              'operations_taskorder', 'chat_conversation', 'chat_message')
            ORDER BY relname
            """
        )
        return cursor.fetchall()


def main(argv=None):
    args = parse_args(argv)
    url = database_url()
    if not args.reuse:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    from accounts.models import User

    from . import compare, cpu, dataset

    # A reused database gets the tree's newer migrations (e.g. a trigger a branch adds), never a rebuild.
    call_command("migrate", verbosity=0)
    if not args.reuse:
        dataset.build(args.scale)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off: WhiteNoise serves these
    tenant_id = User.objects.get(username="big_owner").tenant_id
    ensure_period_totals(tenant_id)
    users = {
        "owner": User.objects.get(username="big_owner"),
        "admin_l1": User.objects.get(tenant_id=tenant_id, account_name="l1admin1"),
        "staff_l3": User.objects.get(tenant_id=tenant_id, account_name="staff01"),
        OPS: User.objects.get(username=dataset.OPS_INDIVIDUAL),
        CHAT: User.objects.get(tenant_id=tenant_id, account_name=dataset.CHAT_STAFF[0]),
    }
    targets = find_targets(users)
    page_list = select_pages(pages(), args.pages)
    secret = scim_secret(users["owner"])
    dataset.log("counting queries per request")
    queries = count_queries(users, page_list, targets, secret, repeat=args.in_process_repeat)
    if args.pages:
        visibility, batch = {}, None
    else:
        dataset.log("timing visibility filtering: ours, (a) guardian generic, (b) floor")
        visibility = {name: compare.compare(users[name], tenant_id) for name in CAMPAIGN_PERSONAS}
        dataset.log("timing the 50-row batch import")
        batch = time_import(users["owner"])
    http = {}
    if not args.no_http:
        from django.db import connections

        connections.close_all()
        wrk = None if args.load_generator == "python" else ensure_wrk()
        if wrk is None and args.load_generator == "wrk":
            raise SystemExit("--load-generator wrk: wrk is not installed and could not be installed")
        import contextlib

        from .pooler import pgbouncer

        stack = contextlib.ExitStack()
        served_url, extra_env, pooler_pid = url, {}, None
        if args.pooler == "pgbouncer":
            # PgBouncer refuses the "-c jit=off" startup option: JIT goes off for the database instead.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET jit = off')
            connection.close()
            bouncer = stack.enter_context(pgbouncer(url))
            served_url, pooler_pid = bouncer.url, bouncer.pid
            extra_env["DATABASE_POOLER"] = "pgbouncer"
        if args.replica:
            extra_env["DATABASE_REPLICA_URL"] = args.replica
        server, base, parents = start_server(served_url, args.workers, args.server, args.port, extra_env)
        meter = cpu.Meter(parents, url, pooler_pid)
        try:
            needed = {persona for _name, _path, who in page_list for persona in who if persona not in (SCIM, ANONYMOUS)}
            cookies = {name: session_cookie(base, users[name].username, dataset.PASSWORD) for name in sorted(needed)}
            for name, path, who in page_list:
                for persona in who:
                    target = resolve(path, persona, targets)
                    headers = credentials(persona, cookies, secret)
                    retries = 0 if args.server == "asgi" else WINDOW_RETRIES  # a connection per request
                    one = load(base, target, headers, 1, args.seconds, args.warmup, wrk, meter, retries)
                    eight = load(base, target, headers, 8, args.seconds, args.warmup, wrk, meter, retries)
                    if not SERVERS[args.server].get("persistent_connections", True):
                        for result in (one, eight):
                            result["cpu"]["db_complete"] = False
                    http[(name, persona)] = (one, eight)
                    dataset.log(
                        f"{name} as {persona}: {one['cpu']['total_ms']} CPU ms per request, p95 {one['p95_ms']} ms, "
                        f"{eight['rps']} req/s with 8 clients"
                    )
        finally:
            meter.close()
            server.terminate()
            server.wait(timeout=30)
            stack.close()
    if args.json:
        raw = {
            "server": {
                "mode": args.server,
                "workers": args.workers,
                "description": server_label(args.server),
                "pooler": args.pooler,
                "replica": bool(args.replica),
            },
            "pages": [
                {
                    "page": name,
                    "persona": persona,
                    "status": queries[(name, persona)][1],
                    "queries": queries[(name, persona)][0],
                    "in_process_cpu": queries[(name, persona)][2],
                    "one_client": http.get((name, persona), ({}, {}))[0],
                    "eight_clients": http.get((name, persona), ({}, {}))[1],
                }
                for name, _path, who in page_list
                for persona in who
            ],
            "visibility": visibility,
            "batch_import": batch,
        }
        args.json.write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    suffix = ("" if args.server == "sync" else f"-{args.server}") + ("-pgbouncer" if args.pooler == "pgbouncer" else "") + (
        "-replica" if args.replica else ""
    )
    output = args.output or RESULTS / f"{datetime.date.today():%Y-%m-%d}-scale-{args.scale:g}{suffix}.md"
    report = render(args, machine_facts(), table_sizes(), page_list, queries, visibility, batch, http, output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    if args.output is None:
        (RESULTS / f"LATEST{suffix}.md").write_text(report, encoding="utf-8")
    dataset.log(f"results written to {output}")
    return report


CPU_TARGET_MS = 10
FLOOR_CPU_MS = 2
REPORT_P95_MS = 150
# Reports had a latency target only (issue 16); issue 27 asks that a row meet its CPU target too.
# 30 ms keeps a 2-core box above ~65 report requests/s; the bench's own choice, not the SPEC's.
REPORT_CPU_MS = 30


def targets_for(name):
    """``{"cpu_ms", "p95_ms", "rps"}`` a row must all meet (``rps`` ``None``: no throughput target).

    The floor (an empty authenticated page) ≤ 2 ms of CPU; reports and their exports ≤ 30 ms of
    CPU and p95 ≤ 150 ms; every other page ≤ 10 ms of CPU, p95 ≤ 60 ms with one client and
    ≥ 150 requests/s with eight."""
    if name == FLOOR_PAGE:
        return {"cpu_ms": FLOOR_CPU_MS, "p95_ms": 60, "rps": 150}
    if "report" in name:
        return {"cpu_ms": REPORT_CPU_MS, "p95_ms": REPORT_P95_MS, "rps": None}
    return {"cpu_ms": CPU_TARGET_MS, "p95_ms": 60, "rps": 150}


def verdict(name, in_process, one, eight):
    """Which of its targets a row met (``targets_for``): "met" only when the CPU target *and*
    the latency (and throughput) targets are all met; else "missed: …" naming each one missed.

    CPU is the page's own cost, app + db, measured in process (``count_queries``), as issue 27
    set the targets; it is also required to have been seen whole over HTTP (a database figure
    the meter could not see whole, ``db_complete`` false, meets no CPU target). The HTTP
    figure adds what the server itself costs per request (gunicorn, parsing HTTP), the login
    page's row shows how much."""
    if not one or not eight:
        return "–"
    target = targets_for(name)
    cpu_ms = (in_process or {}).get("total_ms")
    seen_whole = (one.get("cpu") or {}).get("db_complete", True)
    checks = [
        ("CPU", cpu_ms is not None and seen_whole and cpu_ms <= target["cpu_ms"]),
        ("p95", one["p95_ms"] is not None and one["p95_ms"] <= target["p95_ms"]),
    ]
    if target["rps"] is not None:
        checks.append(("req/s", eight["rps"] >= target["rps"]))
    missed = [label for label, ok in checks if not ok]
    return "missed: " + ", ".join(missed) if missed else "met"


def cpu_cell(load):
    """``total (app + db)`` CPU ms per request, or a dash when not measured; "≥" when the
    database share is a lower bound (backends the meter could not see whole)."""
    cost = load.get("cpu") or {}
    if cost.get("total_ms") is None:
        return "–"
    bound = "" if cost.get("db_complete", True) else "≥ "
    return f"{bound}{cost['total_ms']:.1f} ({cost['app_ms']:.1f} + {bound}{cost['db_ms']:.1f})"


def _ratio(value, base):
    if not value or not base:
        return "–"
    return f"{value / base:.1f}×"


def render(args, facts, sizes, page_list, queries, visibility, batch, http, output):
    """The results page; ``output`` is where it goes (other pages under ``bench/results/`` are
    linked at the end, so that LATEST.md keeps pointing at earlier runs and studies)."""
    lines = [
        f"# Benchmark results — scale {args.scale:g}",
        "",
        f"Machine: {facts['cores']} cores ({facts['cpu']}), PostgreSQL {facts['postgresql']}, Python {facts['python']}; "
        f"run {facts['date']}. Load from a separate process, "
        f"{args.warmup:g} s warm-up then {args.seconds:g} s measured per row and concurrency.",
        "",
        f"Server: **{args.server}** — {server_label(args.server)}, {args.workers} workers"
        + (", through PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer; its CPU counted with the database's)" if args.pooler == "pgbouncer" else "")
        + (", reports/exports/history/audit log from a streaming replica (DATABASE_REPLICA_URL; the database CPU is the primary's only)" if args.replica else "")
        + "."
        + (f" Pages: only those whose name contains {' or '.join(f'“{part}”' for part in args.pages)}." if args.pages else ""),
        "",
        "## Dataset",
        "",
        "| table | rows (estimate) |",
        "|---|---:|",
        *[f"| {name} | {rows:,} |" for name, rows in sizes],
        "",
        "## Pages over HTTP",
        "",
        f"Targets — a row is *met* only when all of its targets are: the empty authenticated page (the floor) "
        f"≤ {FLOOR_CPU_MS} ms of server CPU per request; list/detail pages ≤ {CPU_TARGET_MS} ms of CPU, "
        f"p95 ≤ 60 ms with 1 client and ≥ 150 req/s with 8 clients; reports ≤ {REPORT_CPU_MS} ms of CPU and "
        f"p95 ≤ {REPORT_P95_MS} ms; queries per page constant in the number of rows.",
        "",
        "*CPU ms/req in process* is the page's own cost, which the CPU targets are judged on: "
        f"{args.in_process_repeat} requests in the bench's process through the whole middleware stack "
        "(Django's test client), this process's `process_time` plus the CPU of its connection's "
        "own backend (`pg_backend_pid()`, `/proc`), per request. "
        "*CPU ms/req (1)* and *(8)* are the served server's CPU time per request over the measured window, "
        "as total (app + db): the gunicorn workers' user + system time and that of the PostgreSQL "
        "backends of *their own* connections (those carrying the bench's `application_name`; "
        "persistent connections, so the same pids before and after), read from `/proc/<pid>/stat`, "
        "divided by the requests completed (`bench/cpu.py`). No other process of the database "
        "server is read, so other work on the box does not land in the figure. \"≥\" marks a "
        "database figure the meter could not see whole (a connection per request).",
        "",
        "| page | persona | status | queries | CPU ms/req in process | CPU ms/req (1) | CPU ms/req (8) | p50 ms (1) "
        "| p95 ms (1) | req/s (1) | p50 ms (8) | p95 ms (8) | req/s (8) | targets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, _path, who in page_list:
        for persona in who:
            count, status, in_process = queries[(name, persona)]
            one, eight = http.get((name, persona), ({}, {}))
            lines.append(
                f"| {name} | {persona} | {status} | {count} | {cpu_cell({'cpu': in_process})} | {cpu_cell(one)} | {cpu_cell(eight)} | "
                f"{one.get('p50_ms', '–')} | {one.get('p95_ms', '–')} | "
                f"{one.get('rps', '–')} | {eight.get('p50_ms', '–')} | {eight.get('p95_ms', '–')} | {eight.get('rps', '–')} | "
                f"{verdict(name, in_process, one, eight)} |"
            )
    if args.pages:
        lines += ["", "Visibility comparison and batch import: not run (`--pages`).", ""]
    else:
        lines += [
            "",
            "## Visibility filtering: ours vs (a) django-guardian generic vs (b) the floor",
            "",
            "One page (25 rows, newest first) of the visible set, planning + execution time from "
            "`EXPLAIN ANALYZE`, median of 5. (a) is `get_objects_for_user` over one generic grant per "
            "person per object (the same visible sets, materialised); (b) is the floor, a true lower "
            "bound: the persona's whole visible set, taken from (a) and stored before timing in a "
            "temporary table keyed by id, and the page read as one backward index scan of it joined "
            "to the table by primary key. *ours ÷ (b)* is what our filtering costs over reading "
            "rows already known to be visible. *same rows* checks that all three return the same page.",
            "",
            "| persona | set | ours ms | (a) ms | (b) ms | (a) ÷ ours | ours ÷ (b) | same rows |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for persona, rows in visibility.items():
            for row in rows:
                lines.append(
                    f"| {persona} | {row['set']} | {row['ours_ms']} | {row['guardian_ms']} | {row['floor_ms']} | "
                    f"{_ratio(row['guardian_ms'], row['ours_ms'])} | {_ratio(row['ours_ms'], row['floor_ms'])} | "
                    f"{'yes' if row['same_rows'] else 'NO'} |"
                )
        lines += [
            "",
            "## Batch import",
            "",
            f"A {batch['rows']}-row CSV validated and committed (then rolled back), 5 runs: p50 {batch['p50_ms']} ms, "
            f"max {batch['max_ms']} ms.",
            "",
        ]
    others = sorted(p.name for p in RESULTS.glob("*.md") if not p.name.startswith("LATEST") and p.resolve() != output.resolve())
    if others:
        lines += ["## Other results", "", *[f"- [{name}]({name})" for name in reversed(others)], ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

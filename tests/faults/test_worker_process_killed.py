"""A real background worker killed with SIGKILL while it is sending a delivery (issue 28).

``test_worker_killed.py`` simulates the kill inside the send; here the test command arranges it.
``manage.py db_worker`` runs as a child process against this test's (committed) database and
takes the queued DingTalk delivery; the robot it POSTs to is a local server that reads the request
and never answers, so the worker is caught mid-send and killed there. With a one-second lease the
cron reaper (``manage.py reap_stale_work``) then settles what it left: the task row is no longer
"running" and the delivery is failed with the reason, not left pending. The owner's Retry queues
it again, and the worker started in the killed one's place sends it exactly once.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditEntry, Delivery
from accounts.services.notifications import INTERRUPTED_ERROR, notification_send
from accounts.services.worker import WORKER_LOST
from accounts.tasks import deliver_notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
LEASE_SECONDS = 1


class HangingRobot:
    """A DingTalk robot on loopback: the first message is read and never answered, later ones are."""

    def __init__(self):
        self.messages = []
        self.holding = threading.Event()  # the first message arrived and is being held
        self.release = threading.Event()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                robot.messages.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                if len(robot.messages) == 1:
                    robot.holding.set()
                    robot.release.wait(30)
                    return  # the connection closes unanswered
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/robot/send?access_token=t0ken"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def robot():
    robot = HangingRobot()
    yield robot
    robot.close()


@pytest.fixture
def worker_env():
    """The environment of a worker that uses this test's database and the database task backend."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
        DINGTALK_ROBOT_ORIGINS="https://oapi.dingtalk.com,http://127.0.0.1",
        DINGTALK_TIMEOUT_SECONDS="60",  # the send waits for the robot until the kill
        # No Redis entries shared with other runs; a send reads no cache (were one read, the
        # closed port is an outage the cache survives: utilities.cache).
        CACHE_URL="redis://127.0.0.1:9/0",
    )
    return env


@pytest.fixture
def start_worker(worker_env):
    started = []

    def start(*options):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05", *options],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stderr.close()


def wait_for(condition, what, process, timeout=15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None or condition(), f"the worker ended before {what}: {process.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_worker_killed_mid_send_leaves_nothing_pending_and_the_retry_sends_once(
    owner, owner_client, robot, start_worker, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued for real workers
    settings.NOTIFICATION_LEASE_SECONDS = LEASE_SECONDS
    owner.tenant.dingtalk_webhook = robot.url
    owner.tenant.dingtalk_secret = ""
    owner.tenant.save()
    notification = notification_send(recipient=owner, subject="Weekly report", backends=["dingtalk"])
    delivery = notification.deliveries.get(backend="dingtalk")
    task_row = DBTaskResult.objects.get(task_path=deliver_notification.module_path)
    assert task_row.status == TaskResultStatus.READY

    worker = start_worker()
    wait_for(robot.holding.is_set, "the worker's send to reach the robot", worker)
    delivery.refresh_from_db()
    task_row.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1) and delivery.claimed_until
    assert task_row.status == TaskResultStatus.RUNNING

    worker.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    task_row.refresh_from_db()
    assert task_row.status == TaskResultStatus.RUNNING  # what a killed worker leaves behind
    # Its replacement starts at once (as config/serve.sh would), and finds nothing it may take.
    replacement = start_worker()

    # The claim runs out (one second here); the reaper, as cron runs it, settles both.
    while timezone.now() <= delivery.claimed_until:
        time.sleep(0.02)
    out = StringIO()
    call_command("reap_stale_work", stdout=out)
    assert out.getvalue().startswith("1 abandoned task runs failed, 1 interrupted deliveries marked failed, 0 lost")
    task_row.refresh_from_db()
    assert task_row.status == TaskResultStatus.FAILED and task_row.exception_class_path == WORKER_LOST
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.last_error == INTERRUPTED_ERROR
    assert AuditEntry.objects.filter(action="notification.interrupted", target_id=str(delivery.pk)).exists()
    assert len(robot.messages) == 1  # it may have arrived: not sent again on its own

    # The owner sees why, and Retry queues it for real: the replacement sends it, once.
    retry = reverse("accounts:delivery_retry", args=[delivery.pk])
    page = owner_client.get(reverse("accounts:deliveries")).content.decode()
    assert "may or may not have arrived" in page and retry in page
    assert owner_client.post(retry).status_code == 302
    queued = list(DBTaskResult.objects.exclude(pk=task_row.pk))  # the replacement may have taken it already
    assert [(row.task_path, row.args_kwargs["args"]) for row in queued] == [(deliver_notification.module_path, [delivery.pk])]

    wait_for(
        lambda: DBTaskResult.objects.filter(pk=queued[0].pk, status=TaskResultStatus.SUCCESSFUL).exists(),
        "the replacement worker to send it",
        replacement,
    )
    replacement.send_signal(signal.SIGTERM)
    assert replacement.wait(10) == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Delivery.Status.SENT, 1, "")
    assert len(robot.messages) == 2 and robot.messages[1] == robot.messages[0]
    assert not DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()
    out = StringIO()
    call_command("reap_stale_work", stdout=out)  # nothing left to settle
    assert out.getvalue().startswith("0 abandoned task runs failed, 0 interrupted deliveries marked failed, 0 lost")

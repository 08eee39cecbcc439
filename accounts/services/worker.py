"""The background worker's leftovers: task rows a killed worker left "running" (issue 28).

django-tasks' database backend marks a task row RUNNING when a worker takes it and SUCCESSFUL or
FAILED when it ends; a worker killed in between (a deploy, the OOM killer, a crash) leaves the
row RUNNING for ever, and the backend has no reaper. ``tasks_reap`` is that reaper, run every
minute by ``manage.py reap_stale_work`` (cron) and once when ``config/serve.sh`` starts a worker.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

WORKER_LOST = "accounts.services.worker.WorkerLost"


def _lease_for(task_path):
    from ..tasks import deliver_notification

    if task_path == deliver_notification.module_path:
        return settings.NOTIFICATION_LEASE_SECONDS
    return settings.TASK_LEASE_SECONDS


def tasks_reap(*, now=None):
    """Mark FAILED every task row RUNNING for longer than its lease; return how many.

    The lease: ``NOTIFICATION_LEASE_SECONDS`` for a delivery (its send is bounded by the senders'
    timeouts), ``TASK_LEASE_SECONDS`` for any other task. The row records why
    (``exception_class_path`` ``…WorkerLost`` and a one-line traceback). A lost run of the daily
    verification deadlines is queued again, since that task re-queues itself only when it ends.
    What the lost run was doing is settled by its owner: a delivery by ``deliveries_reap``.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ..tasks import freeze_unverified_daily, schedule_freeze_unverified

    now = now or timezone.now()
    reaped = []
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__isnull=False
        )
        for row in running:
            lease = _lease_for(row.task_path)
            if row.started_at >= now - datetime.timedelta(seconds=lease):
                continue
            row.status = TaskResultStatus.FAILED
            row.finished_at = now
            row.exception_class_path = WORKER_LOST
            row.traceback = f"WorkerLost: no result {lease} s after the worker {', '.join(row.worker_ids) or '?'} took it; the worker stopped."
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            reaped.append(row.task_path)
    for path in reaped:
        logger.warning("task %s failed: its worker stopped while running it", path)
    if freeze_unverified_daily.module_path in reaped:
        schedule_freeze_unverified()
    return len(reaped)

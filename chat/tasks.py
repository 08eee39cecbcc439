"""The customer chat's background work: the sweep that re-routes conversations of members whose
connection is lost past the grace period, and hands out what waits (R-36)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import sweep


@task()
def chat_sweep_periodic():
    """Sweep once, then enqueue itself again ``CHAT_SWEEP_SECONDS`` later.

    Started once by ``manage.py chat_sweep --schedule`` (``config/serve.sh`` does it); the
    re-enqueue happens even when a run fails, so one bad run does not end the schedule.
    """
    try:
        totals = sweep.sweep()
    finally:
        schedule_chat_sweep(run_after=timezone.now() + datetime.timedelta(seconds=settings.CHAT_SWEEP_SECONDS))
    return totals


def schedule_chat_sweep(run_after=None):
    """Enqueue ``chat_sweep_periodic`` at ``run_after`` (default: now), unless one already waits.

    Returns the task result, or ``None`` when the backend cannot run tasks later (the immediate
    backend of the tests would recurse) or a run is already queued.
    """
    backend = chat_sweep_periodic.get_backend()
    if not backend.supports_defer:
        return None
    try:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: it cannot tell us what is queued
        DatabaseBackend = None
    if DatabaseBackend is not None and isinstance(backend, DatabaseBackend):
        queued = DBTaskResult.objects.filter(
            task_path=chat_sweep_periodic.module_path, status=TaskResultStatus.READY
        ).exists()
        if queued:
            return None
    return chat_sweep_periodic.using(run_after=run_after or timezone.now()).enqueue()

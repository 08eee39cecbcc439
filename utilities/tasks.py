"""Periodic background work on django-tasks: a task that enqueues itself again after each run."""

from django.utils import timezone


def schedule_once(task, run_after=None):
    """Enqueue ``task`` (a django-tasks ``Task`` taking no arguments) at ``run_after`` (an aware
    datetime; default: now), unless a run of it already waits.

    Returns the task result, or ``None`` when the backend cannot run tasks later (the immediate
    backend of the tests would recurse) or a run is already queued. Only the database backend can
    say what is queued; with another one every call enqueues.
    """
    backend = task.get_backend()
    if not backend.supports_defer:
        return None
    try:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: it cannot tell us what is queued
        DatabaseBackend = None
    if DatabaseBackend is not None and isinstance(backend, DatabaseBackend):
        queued = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()
        if queued:
            return None
    return task.using(run_after=run_after or timezone.now()).enqueue()

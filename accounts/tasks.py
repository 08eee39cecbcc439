from django_tasks import task


@task()
def deliver_notification(delivery_id):
    """Deliver one queued notification through its backend (retries reschedule themselves)."""
    from .services.notifications import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@task()
def freeze_unverified_daily():
    """Warn and freeze unverified staff (R-18), then enqueue itself again for the same time tomorrow.

    Started once by ``manage.py freeze_unverified --schedule``; the re-enqueue happens even when
    the run fails, so one bad day does not end the schedule.
    """
    import datetime

    from django.utils import timezone

    from .services.freeze import run_deadlines

    try:
        warned, frozen = run_deadlines()
    finally:
        schedule_freeze_unverified(run_after=timezone.now() + datetime.timedelta(days=1))
    return {"warned": warned, "frozen": frozen}


def schedule_freeze_unverified(run_after=None):
    """Enqueue ``freeze_unverified_daily`` to run at ``run_after`` (default: now), unless one waits.

    Returns the task result, or ``None`` when the backend cannot run tasks later (the immediate
    backend of the tests would recurse) or a run is already queued.
    """
    from django.utils import timezone

    backend = freeze_unverified_daily.get_backend()
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
            task_path=freeze_unverified_daily.module_path, status=TaskResultStatus.READY
        ).exists()
        if queued:
            return None
    return freeze_unverified_daily.using(run_after=run_after or timezone.now()).enqueue()

from django_tasks import task

from utilities.tasks import schedule_once


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
    """Enqueue ``freeze_unverified_daily`` at ``run_after`` (default: now), unless a run already waits
    (``utilities.tasks.schedule_once``: the task result, or ``None``)."""
    return schedule_once(freeze_unverified_daily, run_after)


PRUNE_DATA_CHANGES_EVERY_SECONDS = 300


@task()
def prune_data_changes_periodic():
    """Fold each tenant's dashboard change log into its newest row (``accounts.data_generation.prune``),
    then enqueue itself again ``PRUNE_DATA_CHANGES_EVERY_SECONDS`` later. Returns the rows deleted.

    Started once by ``manage.py prune_data_changes --schedule`` (``config/serve.sh`` does it); the
    re-enqueue happens even when a run fails, so one bad run does not end the schedule.
    """
    import datetime

    from django.utils import timezone

    from .data_generation import prune

    try:
        deleted = prune()
    finally:
        schedule_prune_data_changes(
            run_after=timezone.now() + datetime.timedelta(seconds=PRUNE_DATA_CHANGES_EVERY_SECONDS)
        )
    return deleted


def schedule_prune_data_changes(run_after=None):
    """Enqueue ``prune_data_changes_periodic`` at ``run_after`` (default: now), unless a run already
    waits (``utilities.tasks.schedule_once``: the task result, or ``None``)."""
    return schedule_once(prune_data_changes_periodic, run_after)

"""The customer chat's background work: the sweep that re-routes conversations of members whose
connection is lost past the grace period, and hands out what waits (R-36)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from utilities.tasks import schedule_once

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
    """Enqueue ``chat_sweep_periodic`` at ``run_after`` (default: now), unless a run already waits
    (``utilities.tasks.schedule_once``: the task result, or ``None``)."""
    return schedule_once(chat_sweep_periodic, run_after)

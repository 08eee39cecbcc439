"""Settle what a killed background worker left behind (issue 28). Run from cron every minute."""

from django.core.management.base import BaseCommand

from accounts.services.notifications import deliveries_reap
from accounts.services.worker import tasks_reap


class Command(BaseCommand):
    help = (
        "Fail the task rows a stopped worker left running past their lease, mark failed (with the "
        "reason) the deliveries it was sending, and queue again the pending deliveries whose task "
        "was lost."
    )

    def handle(self, *args, **options):
        tasks = tasks_reap()
        deliveries = deliveries_reap()
        self.stdout.write(
            f"{tasks} abandoned task runs failed, {deliveries['failed']} interrupted deliveries marked failed, "
            f"{deliveries['requeued']} lost deliveries queued again."
        )

"""Warn, then freeze, staff accounts not verified in time (R-18). Run from cron or by the worker."""

from django.core.management.base import BaseCommand

from accounts.services.freeze import run_deadlines
from accounts.tasks import schedule_freeze_unverified


class Command(BaseCommand):
    help = (
        "Send the 2-day and 1-day warnings and freeze every staff account past its real-person "
        "verification deadline. --schedule instead queues the worker's daily run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the daily background run (once; it re-queues itself every day).",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            result = schedule_freeze_unverified()
            if result is None:
                self.stdout.write("The daily run is already queued (or the task backend cannot defer).")
            else:
                self.stdout.write(f"Queued the daily run: {result.id}")
            return
        warned, frozen = run_deadlines()
        self.stdout.write(f"{warned} warnings sent, {frozen} accounts frozen.")

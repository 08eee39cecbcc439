"""Fold each tenant's dashboard change log into its newest row (issue 27, ``accounts.data_generation``)."""

from django.core.management.base import BaseCommand

from accounts.data_generation import prune
from accounts.tasks import schedule_prune_data_changes


class Command(BaseCommand):
    help = (
        "Delete every row of each tenant's dashboard change log but its newest, which takes over their "
        "count (PostgreSQL; nothing to do on SQLite). Safe at any time. --schedule instead queues the "
        "worker's run, which repeats every 5 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the background run (once; it re-queues itself).",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            result = schedule_prune_data_changes()
            if result is None:
                self.stdout.write("The prune is already queued (or the task backend cannot defer).")
            else:
                self.stdout.write(f"Queued the prune: {result.id}")
            return
        self.stdout.write(f"{prune()} change-log rows folded.")

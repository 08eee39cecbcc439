"""Route again the conversations of members who can no longer serve, and hand out what waits (R-36)."""

from django.core.management.base import BaseCommand

from chat.sweep import sweep
from chat.tasks import schedule_chat_sweep


class Command(BaseCommand):
    help = (
        "Route the open conversations of members who lost their connection past the grace period (or "
        "can no longer serve) to others, and hand out queued and overflow conversations. --schedule "
        "instead queues the worker's run, which repeats every CHAT_SWEEP_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the background run (once; it re-queues itself).",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            result = schedule_chat_sweep()
            if result is None:
                self.stdout.write("The sweep is already queued (or the task backend cannot defer).")
            else:
                self.stdout.write(f"Queued the sweep: {result.id}")
            return
        totals = sweep()
        self.stdout.write(f"{totals['released']} conversations routed again, {totals['handed']} waiting ones handed out.")

"""End every session of temporary accounts whose window has closed (R-20). Run from cron, e.g.
every minute; safe to run at any time and as often as wanted."""

from django.core.management.base import BaseCommand

from accounts.services.temporary import temporary_sessions_end_closed


class Command(BaseCommand):
    help = "Delete the sessions of temporary customer-service accounts whose window has closed."

    def handle(self, *args, **options):
        accounts, sessions = temporary_sessions_end_closed()
        self.stdout.write(f"{accounts} temporary accounts closed, {sessions} sessions ended.")

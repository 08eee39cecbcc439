"""Send "campaign ending" commission alerts (R-29); run it daily from cron or a scheduler."""

from django.core.management.base import BaseCommand

from campaigns.services import campaign_ending_alerts


class Command(BaseCommand):
    help = "Alert contact persons (attention: high) of products in campaigns ending within N days, once per campaign."

    def add_arguments(self, parser):
        parser.add_argument("--within-days", type=int, default=3)

    def handle(self, *args, within_days, **options):
        sent = campaign_ending_alerts(within_days=within_days)
        self.stdout.write(self.style.SUCCESS(f"{sent} campaign-ending alerts sent."))

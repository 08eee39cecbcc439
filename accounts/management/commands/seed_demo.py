"""Create (or refresh) the demo tenant and print its logins (R-39). Safe to run repeatedly."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.services.audit import audit_record

DEMO_SLUG = "demo"
DEMO_OWNER = "demo_owner"
DEMO_PASSWORD = "Demo-pass-2026"
OPERATOR = "operator"
OPERATOR_PASSWORD = "Operator-pass-2026"
TEMPORARY_ACCOUNT = "kefu_zhou"


class Command(BaseCommand):
    help = "Create the demo tenant with its org, staff, campaigns and effect data; print the logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            tenant, owner = self._tenant_and_owner()
            self._operator()
            logins = [
                ("main account", DEMO_OWNER, DEMO_PASSWORD),
                ("platform operator (/admin/)", OPERATOR, OPERATOR_PASSWORD),
            ]
            for extend in self._extensions():
                logins.extend(extend(tenant=tenant, owner=owner, password=DEMO_PASSWORD) or [])
            logins.extend(self._temporary(tenant, owner, DEMO_PASSWORD))
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins:"))
        for role, login, password in logins:
            self.stdout.write(f"  {role:<40} {login:<28} {password}")

    def _extensions(self):
        """Later apps add their demo data here, each an idempotent function returning extra logins."""
        from accounts.demo import seed_identity
        from campaigns.demo import seed_campaigns
        from orgchart.demo import seed_org

        return [seed_org, seed_identity, seed_campaigns]

    def _temporary(self, tenant, owner, password):
        """A temporary customer-service account (临时客服, R-20) whose window is open now."""
        from accounts.services.staff import invitation_accept_on_behalf
        from accounts.services.temporary import temporary_staff_add, window_text

        staff = User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, account_name=TEMPORARY_ACCOUNT).first()
        if staff is None:
            template = (
                User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True)
                .exclude(department=None)
                .exclude(position=None)
                .order_by("pk")
                .first()
            )
            if template is None:
                return []
            now = timezone.now()
            staff, link = temporary_staff_add(
                actor=owner,
                tenant=tenant,
                display_name="临时客服小周",
                account_name=TEMPORARY_ACCOUNT,
                mobile="13900009999",
                department=template.department,
                position=template.position,
                starts_at=now - datetime.timedelta(days=1),
                ends_at=now + datetime.timedelta(days=30),
            )
            invitation_accept_on_behalf(token=link.rstrip("/").rsplit("/", 1)[-1], password=password)
            staff.refresh_from_db()
        return [(f"staff: temporary, window {window_text(staff)}", staff.username, password)]

    def _tenant_and_owner(self):
        tenant, created = Tenant.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "演示旗舰店",
                "kind": Tenant.Kind.SERVICE_PROVIDER,
                "dingtalk_contact_name": "王店长",
                "dingtalk_mobile": "13800000000",
                "dingtalk_completed_at": timezone.now(),
            },
        )
        owner = User.objects.filter(username=DEMO_OWNER).first()
        if owner is None:
            owner = User(
                username=DEMO_OWNER,
                tenant=tenant,
                kind=User.Kind.OWNER,
                display_name="王店长",
                email="owner@demo.example",
                bound_at=timezone.now(),
            )
            owner.set_password(DEMO_PASSWORD)
            owner.save()
        if created:
            audit_record(actor=None, tenant=tenant, action="demo.seed", target=tenant)
        return tenant, owner

    def _operator(self):
        operator = User.objects.filter(username=OPERATOR).first()
        if operator is None:
            operator = User(username=OPERATOR, kind=User.Kind.OPERATOR, is_staff=True, is_superuser=True)
            operator.set_password(OPERATOR_PASSWORD)
            operator.save()
        return operator

"""Create (or refresh) the demo tenant and print its logins (R-39). Safe to run repeatedly."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import demo
from accounts.models import Tenant, User
from accounts.services.audit import audit_record

DEMO_SLUG = "demo"
DEMO_OWNER = "demo_owner"
DEMO_PASSWORD = "Demo-pass-2026"
OPERATOR = "operator"
OPERATOR_PASSWORD = "Operator-pass-2026"


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
            for _order, seeder in demo.SEEDERS:
                logins.extend(seeder(tenant=tenant, owner=owner, password=DEMO_PASSWORD) or [])
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins:"))
        for role, login, password in logins:
            self.stdout.write(f"  {role:<40} {login:<28} {password}")

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

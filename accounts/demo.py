"""Demo real-person verification states for ``seed_demo`` (R-17, R-18), made through the services."""

import datetime

from django.utils import timezone

from .models import User
from .models.identity import id_check_character
from .services import freeze, identity, temporary
from .services import staff as staff_services

UNVERIFIED = "songer"  # stays unverified: muted, 7 days from binding
PENDING = "linsan"  # submitted, waiting for the operator in /admin/
FROZEN = "chener"  # missed the deadline: cannot log in until the main account unfreezes it
# Every other active demo account is verified, so the demo shows the banner only where it belongs.

# What ``seed_demo`` runs after creating the demo tenant and its owner, in ``order``: each app
# registers its seeder from ``AppConfig.ready`` so this app never imports the apps above it.
SEEDERS = []


def register(seeder, *, order):
    """Add ``seeder(tenant=, owner=, password=) -> [(role, login, password)]`` to ``seed_demo``.

    ``order`` is an int; lower runs first (org chart 10, verification 20, campaigns 30, temporary
    account 40; later apps 50 and up). Seeders must be idempotent.
    """
    SEEDERS.append((order, seeder))
    SEEDERS.sort(key=lambda entry: entry[0])


def demo_id_number(n):
    """A valid (checksummed) but made-up resident ID number for demo person ``n``."""
    first17 = f"11010119900101{n:03d}"
    return first17 + id_check_character(first17)


def _submit(staff, n):
    return identity.verification_submit(
        actor=staff, real_name=staff.display_name, id_number=demo_id_number(n), mobile=staff.mobile
    )


def seed_identity(*, tenant, owner, password):
    """Give the demo staff their verification states (idempotent); return the lines to print."""
    operator = User.objects.filter(kind=User.Kind.OPERATOR).order_by("pk").first()
    staff = User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).order_by("pk")
    for n, person in enumerate(staff, start=1):
        fresh = person.status == User.Status.ACTIVE and person.identity_status == User.IdentityStatus.UNVERIFIED
        if not fresh or person.is_temporary or person.identity_verifications.exists():
            continue
        if person.account_name == UNVERIFIED:
            continue
        if person.account_name == FROZEN:
            User.objects.filter(pk=person.pk).update(verify_deadline=timezone.now() - datetime.timedelta(minutes=1))
            freeze.staff_freeze(staff=person)
            continue
        verification = _submit(person, n)
        if person.account_name != PENDING and operator is not None:
            identity.verification_approve(actor=operator, verification=verification)
    lines = []
    for account, state in [
        (UNVERIFIED, "unverified, muted (banner)"),
        (PENDING, "verification pending review"),
        (FROZEN, "frozen (owner unfreezes)"),
        ("zhangsan", "verified"),
    ]:
        if User.objects.filter(tenant=tenant, account_name=account).exists():
            lines.append((f"staff, {state}", f"{tenant.slug}:{account}", password))
    return lines


TEMPORARY_ACCOUNT = "kefu_zhou"


def seed_temporary(*, tenant, owner, password):
    """A temporary customer-service account (临时客服, R-20) whose window is open now (idempotent)."""
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
        staff, link = temporary.temporary_staff_add(
            actor=owner,
            tenant=tenant,
            display_name="临时客服小周",
            account_name=TEMPORARY_ACCOUNT,
            mobile="13900009999",
            department=template.department,
            position=template.position,
            starts_at=now - datetime.timedelta(days=1),
            ends_at=now + datetime.timedelta(days=30),
            confirm_no_sms=True,  # bound on the person's behalf just below, needing no SMS
        )
        staff_services.invitation_accept_on_behalf(token=link.rstrip("/").rsplit("/", 1)[-1], password=password)
        staff.refresh_from_db()
    return [(f"staff: temporary, window {temporary.window_text(staff)}", staff.username, password)]

"""Reads of the accounts app, always scoped to the viewer."""

from utilities.cache import Generations
from utilities.trees import subtree_filter

from .models import AuditEntry, Delivery, Notification


def inbox_for(user):
    return Notification.objects.filter(recipient=user)


# The inbox badge is on every page: its count is cached per recipient, and every writer of
# ``read_at`` or of new messages retires the recipient's generation (``unread_changed``).
_unread = Generations("unread", timeout_seconds=3600)


def unread_count(user):
    """How many inbox messages ``user`` has not read (an int), cached until one arrives or is read."""
    return _unread.get(user.pk, "count", lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count())


def unread_changed(*user_ids):
    """Call after writing the inbox of ``user_ids`` (new messages, read marks): the badge re-counts."""
    for user_id in set(user_ids):
        _unread.retire(user_id)


def deliveries_visible_to(user):
    """Delivery records of the viewer's tenant; only its main account sees them."""
    if not user.is_authenticated or not user.is_owner:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(tenant_id=user.tenant_id)
        .exclude(backend=Delivery.Backend.INBOX)
        .select_related("notification__recipient")
    )


def audit_entries_visible_to(user):
    """The audit log of the viewer's tenant; only its main account reads it (R-22)."""
    if not user.is_authenticated or not user.is_owner:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(tenant_id=user.tenant_id)


def staff_visible_to(user):
    """Staff accounts the viewer may list (R-5): all for the main account, the subtree for a
    department admin, nobody for anyone else."""
    from .models import User

    if not user.is_authenticated or user.tenant_id is None:
        return User.objects.none()
    staff = User.objects.filter(tenant_id=user.tenant_id, kind=User.Kind.STAFF)
    if user.is_owner:
        return staff
    if not (user.is_staff_account and user.is_department_admin and user.department_id):
        return User.objects.none()
    return staff.filter(subtree_filter(user.department))


def can_list_staff(user):
    return user.is_authenticated and (user.is_owner or (user.is_staff_account and user.is_department_admin))


# The dashboard's reads (accounts.dashboard). Each starts from the list page's entry point.

FREEZE_WARNING_DAYS = 2  # "about to freeze": the verify-by time falls within this many days


def seat_counts(tenant):
    """``{"used", "temporary_used"}``: the one definition of seats used (R-11, R-20), for the
    dashboard, the staff page, SCIM and the quota checks alike. A seat is held by every staff
    account but the resigned and the temporary; temporary accounts count against their own quota.
    One query."""
    from django.db.models import Count, Q

    from .models import User

    return (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)
        .exclude(status=User.Status.RESIGNED)
        .aggregate(
            used=Count("pk", filter=Q(temporary_ends_at__isnull=True)),
            temporary_used=Count("pk", filter=Q(temporary_ends_at__isnull=False)),
        )
    )


def seat_usage(user):
    """``{"used", "quota", "temporary_used", "temporary_quota"}`` of the viewer's tenant for its
    main account (``seat_counts``), else ``None``. One query."""
    if not (user.is_authenticated and user.is_owner):
        return None
    tenant = user.tenant
    counts = seat_counts(tenant)
    return {
        "used": counts["used"],
        "quota": tenant.staff_quota,
        "temporary_used": counts["temporary_used"],
        "temporary_quota": tenant.temporary_quota,
    }


def pending_invitations_for(user):
    """Staff accounts awaiting binding whose invitation the viewer may resend (the main account)."""
    from .models import User

    if not (user.is_authenticated and user.is_owner):
        return User.objects.none()
    return staff_visible_to(user).filter(status=User.Status.PENDING).order_by("-id")


def accounts_freezing_for(user, now=None):
    """Staff accounts in the viewer's staff list that are frozen, or active but unverified or
    rejected with their verify-by time within ``FREEZE_WARNING_DAYS`` days (R-18); temporary
    accounts need no verification (R-20). Soonest first, frozen ones first of all."""
    import datetime

    from django.db.models import Q
    from django.utils import timezone

    from .models import User

    now = now or timezone.now()
    soon = now + datetime.timedelta(days=FREEZE_WARNING_DAYS)
    about_to_freeze = Q(
        status=User.Status.ACTIVE,
        temporary_ends_at__isnull=True,
        identity_status__in=[User.IdentityStatus.UNVERIFIED, User.IdentityStatus.REJECTED],
        verify_deadline__isnull=False,
        verify_deadline__lte=soon,
    )
    return (
        staff_visible_to(user)
        .filter(Q(status=User.Status.FROZEN) | about_to_freeze)
        .order_by("-status", "verify_deadline", "id")  # descending: "frozen" before "active"
    )


def failed_deliveries_for(user):
    """Failed notification deliveries the viewer may retry (the main account's tenant, R-32)."""
    return deliveries_visible_to(user).filter(status=Delivery.Status.FAILED).order_by("-id")


def unread_alerts_for(user):
    """The viewer's unread commission alerts (R-29): each links to its product."""
    return inbox_for(user).filter(kind=Notification.Kind.COMMISSION_ALERT, read_at__isnull=True).order_by("-id")

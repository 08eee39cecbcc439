"""Mute deadline and freeze (禁言 → 冻结, R-18): warn, freeze, unfreeze.

A bound staff account that is unverified or rejected must be verified by ``User.verify_deadline``
(binding + 7 days; unfreezing + 2 days). Warnings go out 2 days and 1 day before, each once; past
the deadline the account is frozen — by ``staff_freeze_overdue`` (cron / the worker's daily task),
at its next login attempt (``LoginForm``) or at the next request of a session it still holds
(``middleware.FreezeOverdueMiddleware``). Pending accounts are not frozen while under review;
verified and temporary accounts never are.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..locks import lock_tenant
from ..models import Notification, User
from ..signals import staff_can_no_longer_serve
from .audit import audit_record
from .notifications import notification_send
from .sessions import sessions_end

# Days to verify after binding, and after the main account unfreezes.
VERIFY_DAYS = 7
UNFREEZE_DAYS = 2
# Warnings before freezing, in days before the deadline; each is sent once per deadline.
WARNING_DAYS = (2, 1)

def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _page_link():
    return reverse("accounts:verification")

def set_deadline_on_bind(staff, bound_at):
    """Give a freshly bound staff account its verify-by time (R-18); the caller saves ``DEADLINE_FIELDS``.

    Temporary accounts need no verification, so they get none.
    """
    staff.verify_deadline = None if staff.is_temporary else bound_at + datetime.timedelta(days=VERIFY_DAYS)
    staff.freeze_warned_days = None
    staff.unfrozen_at = None


DEADLINE_FIELDS = ("verify_deadline", "freeze_warned_days", "unfrozen_at")


def is_overdue(user, now=None):
    """Whether ``user`` (a loaded row) is past its verify-by time and not frozen yet (R-18).

    The same rule as ``freezable``, read from the row in memory: no query, so the middleware
    can ask it on every request.
    """
    deadline = getattr(user, "verify_deadline", None)
    if deadline is None or not getattr(user, "is_staff_account", False):
        return False
    return user.status == User.Status.ACTIVE and user.is_muted and deadline <= (now or timezone.now())


class FreezeReason:
    """Why a frozen account froze, for the main account's staff page (R-18).

    ``kind`` is ``BINDING`` (not verified within 7 days of binding), ``UNFREEZE`` (the 2 days
    after the main account unfroze it ran out) or ``OTHER`` (a deadline of unknown origin, from
    before the origin was kept); ``deadline`` is the verify-by time that passed,
    ``started_at`` when those days began (binding or unfreezing), ``frozen_at`` when it froze.
    """

    BINDING = "binding"
    UNFREEZE = "unfreeze"
    OTHER = "other"

    def __init__(self, *, kind, deadline, started_at, frozen_at):
        self.kind = kind
        self.deadline = deadline
        self.started_at = started_at
        self.frozen_at = frozen_at
        self.days = UNFREEZE_DAYS if kind == self.UNFREEZE else VERIFY_DAYS


def freeze_reason(staff):
    """Return the ``FreezeReason`` of a frozen ``staff`` account, or ``None`` when it is not frozen.

    No query: read from the row (``unfrozen_at`` tells an unfreeze's deadline from a binding's).
    """
    if staff.status != User.Status.FROZEN:
        return None
    kind, started_at = _deadline_origin(staff)
    return FreezeReason(kind=kind, deadline=staff.verify_deadline, started_at=started_at, frozen_at=staff.frozen_at)


def _deadline_origin(staff):
    """Where ``staff.verify_deadline`` came from: ``(FreezeReason kind, when its days began)``."""
    if staff.unfrozen_at is not None:
        return FreezeReason.UNFREEZE, staff.unfrozen_at
    if staff.bound_at is not None and staff.verify_deadline == staff.bound_at + datetime.timedelta(days=VERIFY_DAYS):
        return FreezeReason.BINDING, staff.bound_at
    # Set before the origin was kept (accounts bound before verification existed: now + 7 days).
    return FreezeReason.OTHER, None

def freezable(now=None):
    """Active, non-temporary staff accounts, unverified or rejected, whose deadline has passed (R-18)."""
    now = now or timezone.now()
    return User.objects.filter(
        kind=User.Kind.STAFF,
        status=User.Status.ACTIVE,
        identity_status__in=[User.IdentityStatus.UNVERIFIED, User.IdentityStatus.REJECTED],
        temporary_ends_at__isnull=True,
        verify_deadline__lte=now,
    )


def _owners(tenant):
    return list(User.objects.filter(tenant=tenant, kind=User.Kind.OWNER, is_active=True))


@transaction.atomic
def staff_freeze(*, staff, now=None):
    """Freeze one overdue account (actor: the system): it cannot log in, its sessions end (R-18).

    Returns the frozen account, or ``None`` when it is not (or no longer) overdue. The staff
    member and the main account are notified.
    """
    now = now or timezone.now()
    # The tenant first, as every other writer takes it (STYLE 5): the chat's hand-on below takes
    # it too, and taking the account's row first could deadlock with a disable of the same account.
    lock_tenant(staff.tenant)
    staff = freezable(now).select_for_update(of=("self",)).select_related("tenant").filter(pk=staff.pk).first()
    if staff is None:
        return None
    staff.status = User.Status.FROZEN
    staff.frozen_at = now
    staff.save(update_fields=["status", "frozen_at"])
    sessions_end(user=staff)
    staff_can_no_longer_serve.send(sender=User, staff=staff, reason="frozen")
    audit_record(
        actor=None,
        action="staff.freeze",
        target=staff,
        before={"status": User.Status.ACTIVE},
        after={
            "status": staff.status,
            "verify_deadline": staff.verify_deadline,
            "reason": _deadline_origin(staff)[0],
        },
    )
    notification_send(
        recipient=staff,
        kind=Notification.Kind.FREEZE_WARNING,
        subject=_("Your account is frozen"),
        body=_(
            "Real-person verification was not completed by %(deadline)s. Ask your main account "
            "%(tenant)s to unfreeze it, then verify."
        )
        % {"deadline": _local(staff.verify_deadline), "tenant": staff.tenant.name},
        mobile=staff.mobile,
    )
    for owner in _owners(staff.tenant):
        notification_send(
            recipient=owner,
            kind=Notification.Kind.FREEZE_WARNING,
            subject=_("Staff account %(login)s is frozen") % {"login": staff.username},
            body=_(
                "%(name)s did not complete real-person verification by %(deadline)s. You can unfreeze "
                "the account on its page: it then has %(days)d days to verify."
            )
            % {"name": staff.label, "deadline": _local(staff.verify_deadline), "days": UNFREEZE_DAYS},
            link=reverse("staff:detail", args=[staff.pk]),
        )
    return staff


def staff_freeze_overdue(now=None):
    """Freeze every account past its verify-by time (R-18); return how many were frozen.

    Each account is frozen in its own transaction by ``staff_freeze`` (audit actor "system").
    Run by ``manage.py freeze_unverified`` and the worker's daily task.
    """
    now = now or timezone.now()
    frozen = 0
    for staff in freezable(now).only("pk").order_by("pk"):
        if staff_freeze(staff=staff, now=now):
            frozen += 1
    return frozen


def staff_warn_before_freeze(now=None):
    """Warn accounts whose deadline is within 2 days, then within 1 day; each warning once (R-18).

    Remembers the last warning in ``User.freeze_warned_days``; when both thresholds are crossed
    at once only the nearer one is sent. Returns how many warnings were sent.
    """
    now = now or timezone.now()
    sent = 0
    for days in sorted(WARNING_DAYS):  # nearest first, so a late run sends only the nearer warning
        due = (
            User.objects.filter(
                kind=User.Kind.STAFF,
                status=User.Status.ACTIVE,
                identity_status__in=[User.IdentityStatus.UNVERIFIED, User.IdentityStatus.REJECTED],
                temporary_ends_at__isnull=True,
                verify_deadline__gt=now,
                verify_deadline__lte=now + datetime.timedelta(days=days),
            )
            .exclude(freeze_warned_days__lte=days)
            .select_related("tenant")
        )
        for staff in due:
            with transaction.atomic():
                updated = (
                    User.objects.filter(pk=staff.pk)
                    .exclude(freeze_warned_days__lte=days)
                    .update(freeze_warned_days=days)
                )
                if not updated:
                    continue  # another run sent it just now
                notification_send(
                    recipient=staff,
                    kind=Notification.Kind.FREEZE_WARNING,
                    subject=_("Verify your identity by %(deadline)s or your account is frozen")
                    % {"deadline": _local(staff.verify_deadline)},
                    body=_(
                        "Your account is muted until you complete real-person verification. If it is not "
                        "verified by %(deadline)s it is frozen and cannot log in."
                    )
                    % {"deadline": _local(staff.verify_deadline)},
                    link=_page_link(),
                    mobile=staff.mobile,
                )
                sent += 1
    return sent


@transaction.atomic
def staff_unfreeze(*, actor, staff):
    """Unfreeze a frozen account temporarily: active again with 2 days to verify (R-18).

    ``actor`` must be the account's main account (``PermissionDenied``); ``ValidationError``
    when the account is not frozen. Audited; the staff member is told the new deadline.
    """
    if not (actor.is_owner and actor.tenant_id == staff.tenant_id):
        raise PermissionDenied
    staff = User.objects.select_for_update().get(pk=staff.pk, kind=User.Kind.STAFF)
    if staff.status != User.Status.FROZEN:
        raise ValidationError(_("Only frozen accounts can be unfrozen."))
    before = {"status": staff.status, "verify_deadline": staff.verify_deadline}
    staff.status = User.Status.ACTIVE
    staff.frozen_at = None
    staff.unfrozen_at = timezone.now()
    staff.verify_deadline = staff.unfrozen_at + datetime.timedelta(days=UNFREEZE_DAYS)
    # The unfreeze notice itself says how long is left: only the last-day warning is still due.
    staff.freeze_warned_days = max(WARNING_DAYS)
    staff.save(update_fields=["status", "frozen_at", *DEADLINE_FIELDS])
    audit_record(
        actor=actor,
        action="staff.unfreeze",
        target=staff,
        before=before,
        after={"status": staff.status, "verify_deadline": staff.verify_deadline},
    )
    notification_send(
        recipient=staff,
        kind=Notification.Kind.FREEZE_WARNING,
        subject=_("Your account is unfrozen until %(deadline)s") % {"deadline": _local(staff.verify_deadline)},
        body=_("Complete real-person verification by %(deadline)s, or the account is frozen again.")
        % {"deadline": _local(staff.verify_deadline)},
        link=_page_link(),
        mobile=staff.mobile,
    )
    return staff


def run_deadlines(now=None):
    """Send due warnings, then freeze overdue accounts; return ``(warnings_sent, frozen)``."""
    now = now or timezone.now()
    return staff_warn_before_freeze(now), staff_freeze_overdue(now)

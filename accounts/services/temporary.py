"""Temporary customer-service accounts (临时客服, R-20): created for a promotion window, outside
which they cannot log in; every session ends when the window closes."""

import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from qsessions.models import Session

from ..locks import lock_tenant

from ..models import AuditEntry, User
from .audit import audit_record
from .sessions import sessions_end
from .staff import (
    _require_owner,
    staff_snapshot,
    check_sms_confirmed,
    check_temporary_quota,
    create_staff,
    invitation_send_if_mobile,
)

# Windows are entered and shown in the merchants' time, whatever the server's.
WINDOW_TIMEZONE = ZoneInfo("Asia/Shanghai")
WINDOW_FORMAT = "%Y-%m-%d %H:%M"
# How far back end_temporary_sessions looks for closed windows without sessions to record.
RECENTLY_CLOSED = datetime.timedelta(days=2)


def window_text(staff):
    """``2026-11-01 00:00 – 2026-12-21 23:59 (Asia/Shanghai)`` for a temporary account."""
    starts = timezone.localtime(staff.temporary_starts_at, WINDOW_TIMEZONE).strftime(WINDOW_FORMAT)
    ends = timezone.localtime(staff.temporary_ends_at, WINDOW_TIMEZONE).strftime(WINDOW_FORMAT)
    return f"{starts} – {ends} (Asia/Shanghai)"


def _window_snapshot(staff):
    return {"starts_at": staff.temporary_starts_at, "ends_at": staff.temporary_ends_at}


def _check_window(starts_at, ends_at):
    if starts_at is None or ends_at is None:
        raise ValidationError({"ends_at": _("Enter when the window starts and ends.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The window must end after it starts.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("This window has already closed. Choose an end in the future.")})


@transaction.atomic
def temporary_staff_add(
    *,
    actor,
    tenant,
    display_name,
    account_name,
    mobile,
    department,
    position,
    starts_at,
    ends_at,
    supplementary_permissions=(),
    confirm_no_sms=False,
):
    """Add a temporary customer-service account for the window ``[starts_at, ends_at)`` (R-20).

    Same checks as ``staff_add`` (account name unique, resigned included; mobile free), but it
    counts against ``Tenant.temporary_quota`` under the tenant lock, not the staff seats. It binds
    by the same invitation and needs no real-person verification. Returns ``(staff, link)``.
    Raises ``PermissionDenied`` unless ``actor`` is the tenant's main account, ``ValidationError``
    (by field) for bad input, a closed window or a full quota, and on ``confirm_no_sms`` as
    ``staff_add`` does when no binding code can be sent.
    """
    _require_owner(actor, tenant)
    check_sms_confirmed(confirm_no_sms)
    tenant = lock_tenant(tenant)
    _check_window(starts_at, ends_at)
    staff = create_staff(
        tenant=tenant,
        check_seat=check_temporary_quota,
        display_name=display_name,
        account_name=account_name,
        mobile=mobile,
        department=department,
        position=position,
        is_department_admin=False,
        supplementary_permissions=supplementary_permissions,
        temporary_window=(starts_at, ends_at),
    )
    audit_record(
        actor=actor,
        tenant=tenant,
        action="temporary.add",
        target=staff,
        after={**staff_snapshot(staff), **_window_snapshot(staff)},
    )
    return staff, invitation_send_if_mobile(actor=actor, staff=staff)


@transaction.atomic
def temporary_window_update(*, actor, staff, starts_at, ends_at):
    """Move a temporary account's window; outside the new window its sessions end at once (R-20).

    Raises ``PermissionDenied`` for anyone but its main account, ``ValidationError`` for a
    non-temporary or offboarded account or a bad window.
    """
    _require_owner(actor, staff.tenant)
    lock_tenant(staff.tenant)
    staff = User.objects.select_related("tenant").get(pk=staff.pk, kind=User.Kind.STAFF)
    if not staff.is_temporary:
        raise ValidationError(_("Only temporary accounts have a window."))
    if staff.status == User.Status.RESIGNED:
        raise ValidationError(_("An offboarded account cannot be edited; bind it to a new person first."))
    _check_window(starts_at, ends_at)
    before = _window_snapshot(staff)
    staff.temporary_starts_at = starts_at
    staff.temporary_ends_at = ends_at
    staff.full_clean(exclude=["password", "username"])
    staff.save(update_fields=["temporary_starts_at", "temporary_ends_at"])
    ended = 0 if staff.in_window() else sessions_end(user=staff)
    audit_record(
        actor=actor,
        action="temporary.window_update",
        target=staff,
        before=before,
        after={**_window_snapshot(staff), "sessions_ended": ended},
    )
    return staff


def _as_stored(moment):
    """A datetime as the audit log's JSON stores it, to recognise an entry already written."""
    return DjangoJSONEncoder().default(moment)


def temporary_sessions_end_closed(*, now=None):
    """Delete the sessions of every temporary account whose window has closed (cron; safe any time).

    Audits ``temporary.window_closed`` once per account and window end, however often it runs.
    Returns ``(accounts newly closed, sessions deleted)``.
    """
    now = now or timezone.now()
    # Only accounts that still hold a session or closed lately: long-closed, session-less ones
    # (thousands across tenants) were recorded by an earlier run and need nothing.
    with_sessions = Session.objects.filter(user_id=OuterRef("pk"))
    closed = list(
        User.objects.filter(kind=User.Kind.STAFF, temporary_ends_at__lte=now)
        .filter(Q(Exists(with_sessions)) | Q(temporary_ends_at__gte=now - RECENTLY_CLOSED))
        .exclude(status=User.Status.RESIGNED)
        .select_related("tenant")
    )
    if not closed:
        return 0, 0
    recorded = {
        (entry.target_id, (entry.after or {}).get("ends_at"))
        for entry in AuditEntry.objects.filter(
            action="temporary.window_closed", target_type="accounts.user", target_id__in=[str(u.pk) for u in closed]
        ).only("target_id", "after")
    }
    newly, deleted = 0, 0
    for staff in closed:
        with transaction.atomic():
            ended = sessions_end(user=staff)
            deleted += ended
            entry_after = {"ends_at": staff.temporary_ends_at, "sessions_ended": ended}
            if (str(staff.pk), _as_stored(staff.temporary_ends_at)) in recorded:
                continue
            audit_record(actor=None, action="temporary.window_closed", target=staff, after=entry_after)
            newly += 1
    return newly, deleted

"""Second factor and lockout writes (R-21, R-12): enable, disable, backup codes, unlock.

Every function checks its actor and records an audit entry in the same transaction. The TOTP
secret and the backup codes themselves are never audited.
"""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..lockout import address_locks, login_locks
from ..models import User
from .audit import audit_record

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def has_second_factor(user):
    """Whether ``user`` has a confirmed TOTP device (backup codes alone do not count). One query."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user):
    """Whether ``user`` must have a second factor: staff whose position requires it (R-21)."""
    if not getattr(user, "is_staff_account", False) or not user.position_id:
        return False
    return bool(user.position.requires_2fa)


def two_factor_device_start(*, actor):
    """Return ``actor``'s unconfirmed TOTP device for enrolment, creating one if needed.

    Shape: a ``TOTPDevice`` with ``confirmed=False``; its ``config_url`` feeds the QR code.
    Raises ``ValidationError`` when a confirmed device already exists. Not audited: nothing is
    enabled until ``two_factor_enable`` confirms a code.
    """
    if has_second_factor(actor):
        raise ValidationError(_("Two-factor authentication is already on."))
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_enable(*, actor, device, token):
    """Confirm ``actor``'s enrolment with a 6-digit ``token`` from the app (R-21, R-12).

    Returns ``(device, backup_codes)``: the confirmed ``TOTPDevice`` and a list of 10 single-use
    backup codes (str), to be shown once. Raises ``ValidationError`` for a wrong code (nothing is
    changed) and ``PermissionDenied`` when ``device`` is not the actor's.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.user_id != actor.pk:
        raise PermissionDenied
    if device.confirmed:
        raise ValidationError(_("Two-factor authentication is already on."))
    token = (token or "").strip().replace(" ", "")
    if not (token.isdigit() and len(token) == device.digits) or not device.verify_token(token):
        raise ValidationError({"token": _("That code is not valid. Enter the 6-digit code your app shows now.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    codes = _new_backup_codes(actor)
    audit_record(actor=actor, action="two_factor.enable", target=actor, after={"method": "totp"})
    return device, codes


@transaction.atomic
def two_factor_backup_codes_regenerate(*, actor):
    """Replace ``actor``'s backup codes with 10 new ones; the old ones stop working.

    Returns the list of new codes (str). Raises ``ValidationError`` when 2FA is off.
    """
    if not has_second_factor(actor):
        raise ValidationError(_("Turn on two-factor authentication first."))
    codes = _new_backup_codes(actor)
    audit_record(actor=actor, action="two_factor.backup_codes_regenerate", target=actor)
    return codes


@transaction.atomic
def two_factor_disable(*, actor, password):
    """Turn ``actor``'s second factor off after checking their current ``password``.

    Deletes every TOTP device and the backup codes. Raises ``ValidationError`` for a wrong
    password, when 2FA is off, or when the actor's position requires it (R-21).
    """
    if not actor.check_password(password or ""):
        raise ValidationError({"password": _("The password is not correct.")})
    if not has_second_factor(actor):
        raise ValidationError(_("Two-factor authentication is not on."))
    if second_factor_required(actor):
        raise ValidationError(
            _("Your position requires two-factor authentication, so it cannot be turned off.")
        )
    _delete_devices(actor)
    audit_record(actor=actor, action="two_factor.disable", target=actor, before={"method": "totp"})


def _delete_devices(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_reset(*, actor, user):
    """A platform operator turns off ``user``'s second factor (a lost phone, R-21).

    Returns whether there was anything to remove. Raises ``PermissionDenied`` unless the actor
    is a platform operator. The user enrols again at the next login if their position requires it.
    """
    _require_operator(actor)
    had = has_second_factor(user)
    _delete_devices(user)
    if had:
        audit_record(actor=actor, action="two_factor.reset", target=user, tenant=user.tenant, before={"method": "totp"})
    return had


def two_factor_remove_on_offboard(*, staff):
    """Drop the leaving person's devices so the next person enrols their own (R-15, R-21).

    Call inside the offboarding service's transaction; its audit entry covers it.
    """
    _delete_devices(staff)


def _locks_record(locks):
    """What the audit keeps of the lifted locks: kind, address and end, never a secret."""
    return [
        {"kind": lock.kind, "until": lock.ends_at, **({"ip": lock.ip_address} if lock.ip_address else {})}
        for lock in locks
    ]


def _locks_lift(*, username, user):
    """Lift every lock on ``username`` (R-21) and return the locks that held, as ``LoginLock``s.

    Per address: django-axes' own reset deletes the login's attempt records. Account-wide: the
    failure history stays (it is the record of the attack) but failures before now no longer
    count (``User.login_unlocked_at``). Code step: django-otp's throttle of each device is reset.
    ``user`` may be ``None`` for a login that is no account (only axes' records exist then).
    """
    locks = login_locks(user) if user is not None else address_locks(username)
    removed = axes_reset(username=username)
    if user is not None:
        User.objects.filter(pk=user.pk).update(login_unlocked_at=timezone.now())
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.select_for_update().filter(user=user, throttling_failure_count__gt=0):
                device.throttle_reset()
    return locks, removed


@transaction.atomic
def staff_unlock(*, actor, staff):
    """Lift every login lock of ``staff``: per address, account-wide and the code step's (R-21).

    Only the staff account's main account may. Returns the number of attempt records removed.
    Raises ``PermissionDenied`` for anyone else. Audited with the locks that were lifted.
    """
    if not (actor.is_owner and staff.is_staff_account and staff.tenant_id == actor.tenant_id):
        raise PermissionDenied
    locks, removed = _locks_lift(username=staff.username, user=staff)
    audit_record(
        actor=actor,
        action="staff.unlock",
        target=staff,
        after={"cleared_attempts": removed, "locks": _locks_record(locks)},
    )
    return removed


def _require_operator(actor):
    if not (actor.kind == User.Kind.OPERATOR and actor.is_staff):
        raise PermissionDenied


@transaction.atomic
def login_unlock(*, actor, user):
    """A platform operator lifts every login lock of ``user``: main accounts, staff, anyone (R-21).

    Returns the list of ``LoginLock``s that held (empty when none). Raises ``PermissionDenied``
    unless the actor is a platform operator. Audited in the user's tenant.
    """
    _require_operator(actor)
    locks, removed = _locks_lift(username=user.username, user=user)
    audit_record(
        actor=actor,
        action="login.unlock",
        target=user,
        tenant=user.tenant,
        after={"login": user.username, "cleared_attempts": removed, "locks": _locks_record(locks)},
    )
    return locks


@transaction.atomic
def login_attempts_reset(*, actor, attempts):
    """Unlock the logins of some failed-login records (the operator's action in the admin, R-21).

    ``attempts`` is an ``AccessAttempt`` queryset; every login among them gets all its locks
    lifted, as ``login_unlock`` does (the records of other addresses of that login included). One
    audit entry per login, in the tenant of that login when it is one of ours. Returns the number
    of records removed. Raises ``PermissionDenied`` unless the actor is a platform operator.
    """
    _require_operator(actor)
    usernames = sorted({name for name in attempts.values_list("username", flat=True) if name})
    # Records without a login (axes keeps them when the form sent none) go as selected.
    nameless = attempts.filter(Q(username__isnull=True) | Q(username="")).values_list("pk", flat=True)
    removed, _details = AccessAttempt.objects.filter(pk__in=list(nameless)).delete()
    users = {user.username: user for user in User.objects.filter(username__in=usernames).select_related("tenant")}
    for username in usernames:
        user = users.get(username)
        locks, count = _locks_lift(username=username, user=user)
        removed += count
        audit_record(
            actor=actor,
            action="login.unlock",
            target=user,
            tenant=getattr(user, "tenant", None),
            target_label=None if user else username,
            after={"login": username, "cleared_attempts": count, "locks": _locks_record(locks)},
        )
    return removed

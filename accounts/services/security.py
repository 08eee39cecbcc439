"""Second factor and lockout writes (R-21, R-12): enable, disable, backup codes, unlock.

Every function checks its actor and records an audit entry in the same transaction. The TOTP
secret and the backup codes themselves are never audited.
"""

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    if not (actor.kind == User.Kind.OPERATOR and actor.is_staff):
        raise PermissionDenied
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


@transaction.atomic
def staff_unlock(*, actor, staff):
    """Let ``staff`` log in again from every address locked out by failed logins (R-21).

    Only the staff account's main account may. Returns the number of attempt records removed.
    Raises ``PermissionDenied`` for anyone else.
    """
    if not (actor.is_owner and staff.is_staff_account and staff.tenant_id == actor.tenant_id):
        raise PermissionDenied
    removed = axes_reset(username=staff.username)
    audit_record(actor=actor, action="staff.unlock", target=staff, after={"cleared_attempts": removed})
    return removed


@transaction.atomic
def login_attempts_reset(*, actor, attempts):
    """Delete failed-login records (the platform operator's unlock in the admin, R-21).

    ``attempts`` is an ``AccessAttempt`` queryset. One audit entry per affected login, in the
    tenant of that login when it is one of ours. Raises ``PermissionDenied`` unless the actor is
    a platform operator.
    """
    if not (actor.kind == User.Kind.OPERATOR and actor.is_staff):
        raise PermissionDenied
    usernames = sorted({name for name in attempts.values_list("username", flat=True) if name})
    removed, _details = attempts.delete()
    users = {user.username: user for user in User.objects.filter(username__in=usernames).select_related("tenant")}
    for username in usernames:
        user = users.get(username)
        audit_record(
            actor=actor,
            action="login.unlock",
            target=user,
            tenant=getattr(user, "tenant", None),
            target_label=None if user else username,
            after={"login": username},
        )
    return removed

"""The staff lifecycle: add, edit, bind, disable, offboard, re-bind and hand over (R-9 … R-16)."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from utilities.names import clean_name
from utilities.text import normalize_login_part

from ..locks import lock_tenant
from ..permissions import catalogue_permissions

from .. import handover
from ..channels import sms_available
from ..models import Delivery, Invitation, Notification, User
from ..signals import account_names_claimed, staff_can_no_longer_serve, staff_placement_changed
from ..models.invitations import hash_token, new_token
from ..models.users import staff_username
from ..selectors import unread_changed
from . import freeze, identity
from .audit import audit_entry, audit_record, audit_record_many
from .notifications import delivery_retry, notification_language, notification_send, notifications_send_many
from .security import two_factor_remove_on_offboard
from .sessions import sessions_end

DISPLAY_NAME = gettext_lazy("display name")


def clean_display_name(value, *, field="display_name"):
    """A staff member's display name as stored, or ``ValidationError`` keyed by ``field`` (R-21):
    no control or text-direction characters, something visible, at most 50 characters. Blank (or
    only spaces) is ``""``, as the model allows: SCIM may remove it; the pages require one."""
    return clean_name(value, what=DISPLAY_NAME, field=field, required=False, max_length=50)


STAFF_FIELDS = ["display_name", "mobile", "department", "position", "is_department_admin", "status"]


def _require_owner(actor, tenant):
    if not (actor.is_owner and actor.tenant_id == tenant.pk):
        raise PermissionDenied


def staff_snapshot(staff, with_permissions=True):
    """The audited picture of a staff account: ``{field: value}`` with department path and position name."""
    data = {
        "display_name": staff.display_name,
        "mobile": staff.mobile,
        "department": staff.department.path if staff.department_id else None,
        "position": str(staff.position) if staff.position_id else None,
        "is_department_admin": staff.is_department_admin,
        "status": staff.status,
    }
    if staff.pk and with_permissions:
        data["supplementary_permissions"] = sorted(staff.user_permissions.values_list("codename", flat=True))
    return data


def seats_used(tenant):
    """Staff accounts holding a seat (``accounts.selectors.seat_counts``: all but the resigned and the temporary)."""
    from accounts.selectors import seat_counts

    return seat_counts(tenant)["used"]


def check_quota(tenant, adding=1):
    """Raise unless ``adding`` more seats fit. Call with the tenant row locked (``lock_tenant``)."""
    used = seats_used(tenant)
    if used + adding > tenant.staff_quota:
        over = used + adding - tenant.staff_quota
        raise ValidationError(
            _(
                "The staff quota is %(quota)d and %(used)d seats are taken: adding %(adding)d would exceed it "
                "by %(over)d. Offboard someone or ask the platform for more seats."
            )
            % {"quota": tenant.staff_quota, "used": used, "adding": adding, "over": over},
            code="quota",
        )


def temporary_seats_used(tenant):
    """Temporary customer-service accounts counted against ``Tenant.temporary_quota`` (``seat_counts``, R-20)."""
    from accounts.selectors import seat_counts

    return seat_counts(tenant)["temporary_used"]


def check_temporary_quota(tenant, adding=1):
    """Raise unless ``adding`` more temporary accounts fit. Call with the tenant row locked (``lock_tenant``)."""
    used = temporary_seats_used(tenant)
    if used + adding > tenant.temporary_quota:
        raise ValidationError(
            _(
                "The temporary account quota is %(quota)d and %(used)d are taken. Offboard one whose "
                "promotion is over or ask the platform for a higher limit."
            )
            % {"quota": tenant.temporary_quota, "used": used},
            code="temporary_quota",
        )


NO_SMS_WARNING = gettext_lazy(
    "Text messages are not set up on this site, so no binding code can reach anyone: people you add "
    "now cannot bind their accounts until whoever runs this site sets up SMS (Aliyun, Tencent Cloud or "
    "a relay). Their links stay valid for %(hours)d hours and can be resent later."
)
NO_SMS_CONFIRM_LABEL = gettext_lazy("Add anyway: I know they cannot bind until text messages are set up")
NO_SMS_CONFIRM_MISSING = gettext_lazy(
    "Text messages are not set up, so nobody added now can bind yet. Tick the box to add anyway."
)


def no_sms_warning():
    """The owner's warning when binding codes cannot be sent (production without an SMS channel,
    R-12), or ``""`` when they can."""
    if sms_available():
        return ""
    return NO_SMS_WARNING % {"hours": settings.INVITATION_TTL_HOURS}


def check_sms_confirmed(confirm_no_sms):
    """Raise ``ValidationError`` (field ``confirm_no_sms``, code ``no_sms``) when no binding code can
    be sent and the owner has not confirmed adding people who therefore cannot bind yet (R-12)."""
    if not confirm_no_sms and not sms_available():
        raise ValidationError({"confirm_no_sms": ValidationError(NO_SMS_CONFIRM_MISSING, code="no_sms")})


def _check_refs(tenant, department, position, supplementary_permissions):
    errors = {}
    if department is None:
        errors["department"] = _("Choose a department. Create one in the org chart first if there is none.")
    elif department.tenant_id != tenant.pk:
        errors["department"] = _("Choose a department of your own organisation.")
    if position is None:
        errors["position"] = _("Choose a position. Create one under Positions first if there is none.")
    elif position.tenant_id != tenant.pk:
        errors["position"] = _("Choose a position of your own organisation.")
    allowed = set(catalogue_permissions().values_list("pk", flat=True))
    if any(p.pk not in allowed for p in supplementary_permissions):
        errors["supplementary_permissions"] = _("Choose permissions from the catalogue only.")
    if errors:
        raise ValidationError(errors)


def _check_free(tenant, account_name, mobile, exclude_pk=None):
    errors = {}
    if account_name and User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, account_name=account_name).exclude(
        pk=exclude_pk
    ).exists():
        errors["account_name"] = _("This account name is already taken in your organisation (resigned accounts included).")
    elif account_name and account_names_claimed(tenant, [account_name]):
        errors["account_name"] = _(
            "Another account of your organisation already logs in with this name (its identity provider's user name)."
        )
    if mobile and User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, mobile=mobile).exclude(pk=exclude_pk).exists():
        errors["mobile"] = _("This mobile is already bound to another account of your organisation.")
    if errors:
        raise ValidationError(errors)


def build_staff(*, tenant, display_name, account_name, mobile, department, position, is_department_admin, checked=False):
    """Validate and return an unsaved staff account (shared by the form and the batch import).

    ``checked``: the caller already proved name and mobile free under the tenant lock (the batch
    import does it for all rows at once), so skip the per-row uniqueness queries.
    """
    account_name = normalize_login_part(account_name)
    errors = {}
    try:
        display_name = clean_display_name(display_name)
    except ValidationError as exc:
        errors = exc.error_dict
    staff = User(
        tenant=tenant,
        kind=User.Kind.STAFF,
        account_name=account_name,
        username=staff_username(tenant.slug, account_name),
        display_name=display_name,
        mobile=mobile.strip(),
        department=department,
        position=position,
        is_department_admin=is_department_admin,
        status=User.Status.PENDING,
    )
    staff.set_unusable_password()
    exclude = ["password", "username", *errors]  # a refused name is reported as refused, not as too long
    try:
        staff.full_clean(exclude=exclude, validate_unique=not checked, validate_constraints=not checked)
    except ValidationError as exc:
        errors = {**exc.update_error_dict({}), **errors}
    if errors:
        raise ValidationError(errors)
    return staff


@transaction.atomic
def staff_add(
    *,
    actor,
    tenant,
    display_name,
    account_name,
    mobile,
    department,
    position,
    is_department_admin=False,
    supplementary_permissions=(),
    confirm_no_sms=False,
):
    """Add one staff account awaiting binding and send it the invitation (R-9 … R-12).

    Returns ``(staff, link)``; the link is shown once to the main account as well. Without an SMS
    channel in production nobody can bind, so the owner must have seen that and confirmed
    (``confirm_no_sms``), else ``ValidationError`` on ``confirm_no_sms``.
    """
    _require_owner(actor, tenant)
    check_sms_confirmed(confirm_no_sms)
    tenant = lock_tenant(tenant)
    staff = create_staff(
        tenant=tenant,
        check_seat=check_quota,
        display_name=display_name,
        account_name=account_name,
        mobile=mobile,
        department=department,
        position=position,
        is_department_admin=is_department_admin,
        supplementary_permissions=supplementary_permissions,
    )
    audit_record(actor=actor, tenant=tenant, action="staff.add", target=staff, after=staff_snapshot(staff))
    return staff, invitation_send_if_mobile(actor=actor, staff=staff)


def create_staff(
    *,
    tenant,
    check_seat,
    display_name,
    account_name,
    mobile,
    department,
    position,
    is_department_admin,
    supplementary_permissions,
    temporary_window=None,
):
    """Check and save one new staff account and its rights; the shared step of ``staff_add`` and
    ``temporary_staff_add``, which check the actor, lock the tenant, audit and invite around it.

    ``check_seat(tenant)`` raises when the account's kind of seat is full (staff or temporary
    quota); ``temporary_window`` is ``(starts_at, ends_at)`` for a temporary account. Returns the
    saved account. Raises ``ValidationError`` by field.
    """
    supplementary_permissions = list(supplementary_permissions)
    _check_refs(tenant, department, position, supplementary_permissions)
    _check_free(tenant, normalize_login_part(account_name), mobile.strip())
    check_seat(tenant)
    staff = build_staff(
        tenant=tenant,
        display_name=display_name,
        account_name=account_name,
        mobile=mobile,
        department=department,
        position=position,
        is_department_admin=is_department_admin,
    )
    if temporary_window is not None:
        staff.temporary_starts_at, staff.temporary_ends_at = temporary_window
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError as exc:
        raise ValidationError({"account_name": _("This account name is already taken in your organisation.")}) from exc
    staff.user_permissions.set(supplementary_permissions)
    staff_placement_changed.send(sender=User, tenant=tenant)
    return staff


@transaction.atomic
def staff_update(
    *,
    actor,
    staff,
    display_name,
    mobile,
    department,
    position,
    is_department_admin,
    supplementary_permissions=(),
):
    """Change department, position, admin flag or rights; they apply on the next request (R-14).

    Changing a pending account's mobile revokes its outstanding binding link and sends a new one
    to the new mobile (audited as ``staff.invite``): a link belongs to one person (R-12).
    """
    tenant = staff.tenant
    _require_owner(actor, tenant)
    lock_tenant(tenant)
    staff = User.objects.select_related("department", "position").get(pk=staff.pk)
    if staff.status == User.Status.RESIGNED:
        raise ValidationError(_("An offboarded account cannot be edited; bind it to a new person first."))
    supplementary_permissions = list(supplementary_permissions)
    _check_refs(tenant, department, position, supplementary_permissions)
    display_name = clean_display_name(display_name)
    _check_free(tenant, None, mobile.strip(), exclude_pk=staff.pk)
    before = staff_snapshot(staff)
    mobile_changed = staff.mobile != mobile.strip()
    staff.display_name = display_name
    staff.mobile = mobile.strip()
    staff.department = department
    staff.position = position
    staff.is_department_admin = is_department_admin
    staff.full_clean(exclude=["password", "username"])
    staff.save(update_fields=["display_name", "mobile", "department", "position", "is_department_admin"])
    staff.user_permissions.set(supplementary_permissions)
    staff_placement_changed.send(sender=User, tenant=tenant)
    after = staff_snapshot(staff)
    if before != after:
        audit_record(actor=actor, action="staff.update", target=staff, before=before, after=after)
    if mobile_changed and staff.status == User.Status.PENDING:
        # The link went to the old number, maybe another person: it must not bind this account.
        # A first mobile (an account an identity provider added without one) gets its first link.
        if staff.mobile:
            invitation_send(actor=actor, staff=staff)
        else:
            _revoke_pending(staff)
    return staff


def _set_status(actor, staff, status, action, **extra_fields):
    before = {"status": staff.status}
    staff.status = status
    for name, value in extra_fields.items():
        setattr(staff, name, value)
    staff.save(update_fields=["status", *extra_fields])
    audit_record(actor=actor, action=action, target=staff, before=before, after={"status": status})
    return staff


def _locked_staff(actor, staff):
    _require_owner(actor, staff.tenant)
    lock_tenant(staff.tenant)
    return User.objects.select_related("tenant", "department").get(pk=staff.pk, kind=User.Kind.STAFF)


@transaction.atomic
def staff_disable(*, actor, staff, include_frozen=False):
    """Disable an account and delete its sessions, so re-enabling it revives no old cookie (R-15).

    ``include_frozen``: a frozen account may be disabled too (an identity provider's ``active:
    false``, R-37), so that unfreezing it later does not let the person back in.
    """
    staff = _locked_staff(actor, staff)
    allowed = {User.Status.ACTIVE, User.Status.PENDING} | ({User.Status.FROZEN} if include_frozen else set())
    if staff.status not in allowed:
        raise ValidationError(_("Only active or pending accounts can be disabled."))
    _revoke_pending(staff)
    sessions_end(user=staff)
    staff = _set_status(actor, staff, User.Status.DISABLED, "staff.disable")
    staff_can_no_longer_serve.send(sender=User, staff=staff, reason="disabled")
    return staff


@transaction.atomic
def staff_enable(*, actor, staff):
    staff = _locked_staff(actor, staff)
    if staff.status != User.Status.DISABLED:
        raise ValidationError(_("Only disabled accounts can be enabled."))
    status = User.Status.ACTIVE if staff.has_usable_password() else User.Status.PENDING
    return _set_status(actor, staff, status, "staff.enable")


@transaction.atomic
def staff_offboard(*, actor, staff):
    """Unbind the person (离职): keep the account and its settings, free the seat, end its sessions (R-15)."""
    staff = _locked_staff(actor, staff)
    if staff.status == User.Status.RESIGNED:
        raise ValidationError(_("This account has already been offboarded."))
    _revoke_pending(staff)
    sessions_end(user=staff)
    before = staff_snapshot(staff)
    staff.status = User.Status.RESIGNED
    staff.resigned_at = timezone.now()
    staff.mobile = ""  # the person is gone; their mobile may be bound to another account now
    staff.bound_at = None
    staff.set_unusable_password()
    two_factor_remove_on_offboard(staff=staff)
    staff.save(update_fields=["status", "resigned_at", "mobile", "bound_at", "password"])
    identity.verification_remove(actor=actor, staff=staff)  # the next person verifies anew
    staff_placement_changed.send(sender=User, tenant=staff.tenant)
    audit_record(actor=actor, action="staff.offboard", target=staff, before=before, after=staff_snapshot(staff))
    staff_can_no_longer_serve.send(sender=User, staff=staff, reason="offboarded")
    return staff


@transaction.atomic
def staff_rebind(*, actor, staff, display_name, mobile, department=None, position=None):
    """Bind a resigned account to a new person: it takes a seat and gets a new invitation (R-15).

    ``department`` / ``position``: where it goes and what it does; required when its own was
    deleted while it was resigned (``ValidationError`` on that field otherwise), else it keeps its own.
    """
    staff = _locked_staff(actor, staff)
    if staff.status != User.Status.RESIGNED:
        raise ValidationError(_("Only offboarded accounts can be bound to a new person."))
    staff.department = department or staff.department
    staff.position = position or staff.position
    errors = {}
    if staff.department is None:
        errors["department"] = _("This account's department was deleted while it was offboarded: choose a department for it.")
    if staff.position is None:
        errors["position"] = _("This account's position was deleted while it was offboarded: choose a position for it.")
    if errors:
        raise ValidationError(errors)
    _check_refs(staff.tenant, staff.department, staff.position, [])
    display_name = clean_display_name(display_name)
    tenant = lock_tenant(staff.tenant)
    _check_free(tenant, None, mobile.strip(), exclude_pk=staff.pk)
    if staff.is_temporary:
        check_temporary_quota(tenant)
    else:
        check_quota(tenant)
    before = staff_snapshot(staff)
    staff.display_name = display_name
    staff.mobile = mobile.strip()
    staff.status = User.Status.PENDING
    staff.resigned_at = None
    staff.full_clean(exclude=["password", "username"])
    staff.save(update_fields=["display_name", "mobile", "status", "resigned_at", "department", "position"])
    staff_placement_changed.send(sender=User, tenant=tenant)
    audit_record(actor=actor, action="staff.rebind", target=staff, before=before, after=staff_snapshot(staff))
    return staff, invitation_send_if_mobile(actor=actor, staff=staff)


def _revoke_pending(staff):
    Invitation.objects.filter(user=staff).usable().update(revoked_at=timezone.now())


NO_MOBILE_INVITE = gettext_lazy(
    "%(login)s has no mobile yet, so no invitation can be sent: binding needs a code sent to the "
    "person's mobile. Enter their mainland mobile (Edit) and the invitation goes to it."
)


def invitation_send_if_mobile(*, actor, staff):
    """``invitation_send`` for an account with a mobile; ``None`` (nothing sent) without one.

    An identity provider may add a person without a mobile (SCIM, R-37): the account waits, the
    staff page says a mobile is needed, and entering one sends the invitation (``staff_update``).
    """
    return invitation_send(actor=actor, staff=staff) if staff.mobile else None


@transaction.atomic
def invitation_send(*, actor, staff):
    """Send (or resend) the single-use binding link; any earlier pending link stops working.

    ``ValidationError`` (code ``no_mobile``) for an account without a mobile: nothing could carry
    the binding code, so nothing is sent and no link is made."""
    return invitations_send_many(actor=actor, staff=[staff])[0]


@transaction.atomic
def invitations_send_many(*, actor, staff):
    """``invitation_send`` for many accounts with a few INSERTs; returns the links in order."""
    for person in staff:
        _require_owner(actor, person.tenant)
        if person.status != User.Status.PENDING:
            raise ValidationError(_("Only accounts awaiting binding can be invited."))
        if not person.mobile:
            raise ValidationError(NO_MOBILE_INVITE % {"login": person.username}, code="no_mobile")
    Invitation.objects.filter(user__in=[p.pk for p in staff]).usable().update(revoked_at=timezone.now())
    expires_at = timezone.now() + datetime.timedelta(hours=settings.INVITATION_TTL_HOURS)
    tokens = [new_token() for _person in staff]
    Invitation.objects.bulk_create(
        [
            Invitation(
                tenant=person.tenant,
                user=person,
                token_hash=hash_token(token),
                mobile=person.mobile,
                created_by=actor,
                expires_at=expires_at,
            )
            for person, token in zip(staff, tokens)
        ]
    )
    links = [reverse("accounts:bind", args=[token]) for token in tokens]
    with translation.override(notification_language()):
        notices = [
            {
                "recipient": person,
                "kind": Notification.Kind.BINDING_INVITATION,
                "subject": _("%(tenant)s invites you to bind your staff account") % {"tenant": person.tenant.name},
                "body": _(
                    "Your login will be %(login)s. Open the link within %(hours)d hours to set your password. "
                    "The link works once."
                )
                % {"login": person.username, "hours": settings.INVITATION_TTL_HOURS},
                "link": link,
                "mobile": person.mobile,
            }
            for person, link in zip(staff, links)
        ]
    notifications_send_many(notices)
    audit_record_many(
        [
            audit_entry(
                actor=actor,
                tenant=person.tenant,
                action="staff.invite",
                target=person,
                after={"mobile": person.mobile, "expires_at": expires_at},
            )
            for person in staff
        ]
    )
    return links


@transaction.atomic
def invitation_revoke(*, actor, staff):
    _require_owner(actor, staff.tenant)
    revoked = Invitation.objects.filter(user=staff).usable().update(revoked_at=timezone.now())
    if not revoked:
        raise ValidationError(_("There is no pending invitation to revoke."))
    audit_record(actor=actor, action="staff.invite_revoke", target=staff)
    return revoked


def invitation_for_token(token):
    """Return the usable invitation for ``token`` or ``None`` (expired, used, revoked, unknown).

    A link works only while the account still has the mobile it was sent to (R-12).
    """
    return (
        Invitation.objects.usable()
        .select_related("user__tenant")
        .filter(token_hash=hash_token(token), user__status=User.Status.PENDING, user__mobile=F("mobile"))
        .exclude(mobile="")  # a link made before the account had a mobile could never receive a code
        .first()
    )


INVALID_LINK = gettext_lazy("This invitation link is invalid, used, revoked or expired. Ask for a new one.")
NO_SMS_BIND = gettext_lazy(
    "No code could be sent: text messages are not set up on this site yet, so this account cannot be "
    "bound for now. Ask your main account to have SMS set up, then come back to this link."
)


def mask_mobile(mobile):
    """``13612345678`` → ``136****5678``: enough for the invitee to recognise, not to learn."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def _code_hash(invitation, code):
    return salted_hmac("accounts.binding_code", f"{invitation.pk}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def binding_code_send(*, token):
    """Text a fresh one-time 6-digit code to the mobile the owner entered; return the code (R-12).

    The code goes through the ``sms`` channel only (never the DingTalk group or the console
    log), is stored as a keyed hash, works for ``BINDING_CODE_TTL_SECONDS`` and replaces any
    earlier one. The return value is for callers that bind on someone's behalf (seed_demo, the
    benchmark); pages never show it. Raises ``ValidationError`` for an unusable link, a second
    request within ``BINDING_CODE_RESEND_SECONDS`` or more than ``BINDING_CODE_MAX_SENDS`` codes,
    and (code ``no_sms``, making no code) when no SMS channel exists in production.
    """
    if not sms_available():
        # Nothing could carry the code: make none, so that no page can claim one was sent.
        raise ValidationError(NO_SMS_BIND, code="no_sms")
    return _binding_code_issue(token=token)


@transaction.atomic
def _binding_code_issue(*, token):
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(INVALID_LINK)
    return _code_issue(invitation, actor=None)


def _code_issue(invitation, *, actor, wait_between=True):
    """Make, store (hashed) and text a fresh code for ``invitation``; return it. Runs in a transaction."""
    invitation, code = _code_new(invitation, wait_between=wait_between)
    staff = invitation.user
    notification_send(
        recipient=staff,
        kind=Notification.Kind.BINDING_CODE,
        mobile=invitation.mobile,
        backends=[Delivery.Backend.SMS],
        **_code_message(staff, code),
    )
    _code_audit(invitation, actor)
    return code


def _code_new(invitation, *, wait_between):
    """Lock ``invitation``, check the resend limits, store a fresh code's hash; return ``(invitation, code)``."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("user__tenant").get(pk=invitation.pk)
    now = timezone.now()
    if invitation.code_sent_at and wait_between:
        wait = settings.BINDING_CODE_RESEND_SECONDS - int((now - invitation.code_sent_at).total_seconds())
        if wait > 0:
            raise ValidationError(
                _("A code was sent less than a minute ago. Wait %(seconds)d seconds before asking again.")
                % {"seconds": wait},
                code="too_soon",
            )
    if invitation.codes_sent >= settings.BINDING_CODE_MAX_SENDS:
        raise ValidationError(_("Too many codes were sent for this link. Ask your main account for a new one."))
    code = f"{secrets.randbelow(10**6):06d}"
    invitation.code_hash = _code_hash(invitation, code)
    invitation.code_sent_at = now
    invitation.code_expires_at = now + datetime.timedelta(seconds=settings.BINDING_CODE_TTL_SECONDS)
    invitation.code_failures = 0
    invitation.codes_sent += 1
    invitation.save(update_fields=["code_hash", "code_sent_at", "code_expires_at", "code_failures", "codes_sent"])
    return invitation, code


def _code_message(staff, code):
    minutes = settings.BINDING_CODE_TTL_SECONDS // 60
    return {
        "subject": _("Your binding code"),
        "body": _("%(code)s is your code to bind %(login)s. It expires in %(minutes)d minutes. Never tell it to anyone.")
        % {"code": code, "login": staff.username, "minutes": minutes},
        "sms_params": {"code": code, "minutes": minutes},
    }


def _code_audit(invitation, actor):
    audit_record(
        actor=actor,
        tenant=invitation.user.tenant,
        action="staff.bind_code_send",
        target=invitation.user,
        after={"mobile": mask_mobile(invitation.mobile)},
    )


@transaction.atomic
def binding_code_resend(*, actor, delivery):
    """The owner's retry of a failed binding-code SMS: the same delivery, with a fresh code (R-12).

    Sending the failed text again would carry a code that may have expired or been replaced, so a
    new one is made (the old one stops working, and it counts against ``BINDING_CODE_MAX_SENDS``),
    the message is rewritten with it and the delivery is queued again (``delivery_retry``).
    Returns the delivery. Raises ``PermissionDenied`` unless ``actor`` is the tenant's main
    account; ``ValidationError`` when no SMS channel exists, the delivery is not a failed binding
    code, or the person's link is no longer usable.
    """
    if not (actor.is_owner and actor.tenant_id == delivery.tenant_id):
        raise PermissionDenied
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("notification").get(pk=delivery.pk)
    notification = delivery.notification
    if notification.kind != Notification.Kind.BINDING_CODE or not (delivery.status == Delivery.Status.FAILED or delivery.is_stuck):
        raise ValidationError(_("Only failed deliveries can be retried."))
    if not sms_available():
        raise ValidationError(NO_SMS_WARNING % {"hours": settings.INVITATION_TTL_HOURS}, code="no_sms")
    invitation = (
        Invitation.objects.usable()
        .filter(
            user_id=notification.recipient_id,
            tenant_id=delivery.tenant_id,
            user__status=User.Status.PENDING,
            user__mobile=F("mobile"),
        )
        .select_related("user")
        .order_by("-id")
        .first()
    )
    if invitation is None:
        raise ValidationError(
            _("This person's binding link is no longer usable, so a code would not help. Send a new invitation from the staff page.")
        )
    invitation, code = _code_new(invitation, wait_between=False)
    message = _code_message(invitation.user, code)
    notification.subject, notification.body, notification.sms_params = message["subject"], message["body"], message["sms_params"]
    notification.mobile = invitation.mobile
    notification.save(update_fields=["subject", "body", "sms_params", "mobile"])
    _code_audit(invitation, actor)
    return delivery_retry(actor=actor, delivery=delivery)


def _code_problem(invitation, code):
    """Check ``code`` against the invitation (locked); count a wrong one. Return an error or ``None``."""
    if not invitation.code_hash:
        if invitation.code_failures >= settings.BINDING_CODE_MAX_FAILURES:
            return _("Too many wrong codes: this one no longer works. Send a new code.")
        return _("Send a code to your mobile first, then enter it here.")
    if invitation.code_expires_at <= timezone.now():
        return _("The code has expired. Send a new one.")
    if constant_time_compare(_code_hash(invitation, (code or "").strip()), invitation.code_hash):
        return None
    invitation.code_failures += 1
    left = settings.BINDING_CODE_MAX_FAILURES - invitation.code_failures
    if left <= 0:
        invitation.code_hash = ""  # burnt: guessing on is pointless
    invitation.save(update_fields=["code_failures", "code_hash"])
    if left <= 0:
        return _("Too many wrong codes: this one no longer works. Send a new code.")
    return _("Wrong code. %(left)d tries left.") % {"left": left}


def invitation_accept(*, token, code, password):
    """Bind the account: prove the mobile by ``code``, set the password, activate it, use up the link (R-12).

    Raises ``ValidationError`` (``{"code": …}`` for a missing, wrong, expired or burnt code; a
    wrong try is recorded even so, and the fifth burns the code), for a bad password, or for an
    unusable link.
    """
    with transaction.atomic():
        invitation = invitation_for_token(token)
        if invitation is None:
            raise ValidationError(INVALID_LINK)
        invitation = Invitation.objects.select_for_update(of=("self",)).select_related("user").get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise ValidationError(INVALID_LINK)
        problem = _code_problem(invitation, code)
        if problem is None:
            staff = invitation.user
            password_validation.validate_password(password, staff)
            staff.set_password(password)
            staff.status = User.Status.ACTIVE
            staff.bound_at = timezone.now()
            freeze.set_deadline_on_bind(staff, staff.bound_at)  # verify within 7 days or freeze
            staff.save(update_fields=["password", "status", "bound_at", *freeze.DEADLINE_FIELDS])
            invitation.accepted_at = timezone.now()
            invitation.code_hash = ""
            invitation.save(update_fields=["accepted_at", "code_hash"])
            # The codes did their work: they need not wait in the new account's inbox as unread.
            Notification.objects.filter(
                recipient=staff, kind=Notification.Kind.BINDING_CODE, read_at__isnull=True
            ).update(read_at=timezone.now())
            unread_changed(staff.pk)
            audit_record(actor=staff, action="staff.bind", target=staff, after={"status": staff.status})
            return staff
    # Outside the atomic block, so that the wrong try stays counted.
    raise ValidationError({"code": problem})


def invitation_accept_on_behalf(*, token, password):
    """Send a code and bind with it at once: for seed_demo and the benchmark, never for a page.

    Works without an SMS channel too: the code is used here, not waited for.
    """
    return invitation_accept(token=token, code=_binding_code_issue(token=token), password=password)


@transaction.atomic
def staff_hand_over(*, actor, from_staff, to_staff):
    """Move everything ``from_staff`` owns to ``to_staff`` in one atomic, audited step (R-16)."""
    _require_owner(actor, from_staff.tenant)
    lock_tenant(from_staff.tenant)
    if to_staff.tenant_id != from_staff.tenant_id or not to_staff.is_staff_account:
        raise ValidationError({"to_staff": _("Choose a staff account of your own organisation.")})
    if to_staff.pk == from_staff.pk:
        raise ValidationError({"to_staff": _("Choose someone other than the person handing over.")})
    if to_staff.status not in {User.Status.ACTIVE, User.Status.PENDING}:
        raise ValidationError({"to_staff": _("Hand over only to an active or pending account.")})
    moved = {key: mover.move(from_staff, to_staff) for key, mover in handover.MOVERS.items()}
    audit_record(
        actor=actor,
        action="staff.hand_over",
        target=from_staff,
        before={"owner": from_staff.username},
        after={"owner": to_staff.username, **moved},
    )
    return moved

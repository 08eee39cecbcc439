"""Real-person verification, mute and freeze (实人认证 / 禁言 / 冻结, R-17 … R-19).

State of a staff account (``User.identity_status``)::

    unverified ──submit──> pending ──approve──> verified
        ^                     └──reject──> rejected ──submit──> pending …
        └──────── offboard (the verification is removed; the next person verifies anew)

An unverified or rejected account is muted (``User.is_muted``) and must be verified by its
``verify_deadline`` (binding + 7 days; unfreezing + 2 days), or it is frozen (``services.freeze``). Pending accounts work normally and are not
frozen while the platform reviews them. Temporary accounts need no verification and never freeze.

The raw ID number lives only in the arguments of ``verification_submit``: what is stored and
notified is the keyed hash and the masked form. The audit log, which the main account reads and
exports, says only that a verification was submitted, approved, rejected or removed, by whom, and
which verification (its id): never the real name, mobile or masked ID number, which platform
operators read on the verification itself in the admin (R-19). The log is append-only, so what it
never holds need not be erased when a verification is removed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from utilities.names import clean_real_name
from utilities.text import normalize_mobile

from ..locks import lock_tenant
from ..models import IdentityVerification, Notification, User
from ..signals import staff_can_no_longer_serve
from ..models.identity import (
    id_number_hash,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)
from ..models.tenants import mainland_mobile_validator
from .audit import audit_record
from .freeze import DEADLINE_FIELDS, _local, _page_link
from .notifications import notification_send

ID_TAKEN = gettext_lazy(
    "This ID number is already verified or under review for another account of this organisation."
)
MOBILE_TAKEN = gettext_lazy("This mobile is already verified or under review for another account of this organisation.")


def is_platform_operator(user):
    """Whether ``user`` reviews verifications: a platform operator or a superuser."""
    return bool(user and user.is_authenticated and (user.kind == User.Kind.OPERATOR or user.is_superuser))


def _require_operator(actor):
    if not is_platform_operator(actor):
        raise PermissionDenied

def _taken_errors(tenant, number_hash, mobile, exclude_user=None):
    holding = IdentityVerification.objects.filter(tenant=tenant, status__in=IdentityVerification.HOLDING)
    if exclude_user is not None:
        holding = holding.exclude(user=exclude_user)
    errors = {}
    if holding.filter(id_number_hash=number_hash).exists():
        errors["id_number"] = str(ID_TAKEN)
    if holding.filter(mobile=mobile).exists():
        errors["mobile"] = str(MOBILE_TAKEN)
    return errors


@sensitive_variables()  # all: transaction.atomic's frame holds the keyword arguments too
@transaction.atomic
def verification_submit(*, actor, real_name, id_number, mobile):
    """Submit the actor's real name, resident ID number and mobile for review (R-17, R-19).

    ``actor``: a bound (active), non-temporary staff account whose state is unverified or
    rejected; it becomes pending. ``id_number`` may use lower-case x or full-width digits.
    Returns the new ``IdentityVerification``. Raises ``PermissionDenied`` for anyone else, and
    ``ValidationError`` keyed by ``real_name``/``id_number``/``mobile`` for bad input, for an ID
    or mobile that another account of the tenant already holds (pending or verified; also when
    two submit at once), or when the account is not in a state that may submit. Neither the
    raw number nor any message derived from it is stored, audited or returned.
    """
    if not (actor.is_staff_account and actor.status == User.Status.ACTIVE):
        raise PermissionDenied
    if actor.is_temporary:
        raise ValidationError(_("Temporary customer-service accounts need no real-person verification."))
    staff = User.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=actor.pk)
    if staff.identity_status not in {User.IdentityStatus.UNVERIFIED, User.IdentityStatus.REJECTED}:
        raise ValidationError(_("Your verification has already been submitted; you cannot change it now."))

    errors = {}
    real_name = (real_name or "").strip()
    if not real_name:
        errors["real_name"] = _("Enter your real name as on your ID card.")
    else:
        try:
            real_name = clean_real_name(real_name)
        except ValidationError as exc:
            errors["real_name"] = exc.messages
    number = normalize_id_number(id_number)
    try:
        validate_id_number(number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    mobile = normalize_mobile(mobile)
    try:
        mainland_mobile_validator(mobile)
    except ValidationError as exc:
        errors["mobile"] = exc.messages
    if errors:
        raise ValidationError(errors)

    number_hash = id_number_hash(number)
    errors = _taken_errors(staff.tenant, number_hash, mobile, exclude_user=staff)
    if errors:
        raise ValidationError(errors)
    verification = IdentityVerification(
        tenant=staff.tenant,
        user=staff,
        real_name=real_name,
        id_number_hash=number_hash,
        id_number_masked=mask_id_number(number),
        mobile=mobile,
    )
    del number, id_number  # nothing below needs the raw number
    verification.full_clean(validate_constraints=False)  # uniqueness: checked above, enforced below
    try:
        with transaction.atomic():
            verification.save()
    except IntegrityError as exc:
        # Another account of the tenant submitted the same person at the same moment.
        errors = _taken_errors(staff.tenant, number_hash, mobile, exclude_user=staff) or {"id_number": str(ID_TAKEN)}
        raise ValidationError(errors) from exc
    before = {"identity_status": staff.identity_status}
    staff.identity_status = User.IdentityStatus.PENDING
    staff.save(update_fields=["identity_status"])
    audit_record(
        actor=staff,
        action="identity.submit",
        target=staff,
        before=before,
        after={"identity_status": staff.identity_status, "verification": verification.pk},
    )
    return verification


def _locked_pending(verification):
    # The tenant first, as every other writer takes it (STYLE 5): a rejection mutes the account and
    # the chat hands its buyers on under the tenant lock, so taking the rows first could deadlock.
    lock_tenant(verification.tenant)
    verification = (
        IdentityVerification.objects.select_for_update(of=("self",))
        .select_related("user", "tenant")
        .get(pk=verification.pk)
    )
    if verification.status != IdentityVerification.Status.PENDING:
        raise ValidationError(_("This verification is no longer pending review."))
    return verification


def _review(actor, verification, status, reason=""):
    now = timezone.now()
    verification.status = status
    verification.rejection_reason = reason
    verification.reviewed_by = actor
    verification.reviewed_at = now
    verification.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    staff = User.objects.select_for_update().get(pk=verification.user_id)
    before = {"identity_status": staff.identity_status}
    staff.identity_status = status  # the account's state names match the review outcomes
    fields = ["identity_status"]
    if status == IdentityVerification.Status.VERIFIED:
        staff.verify_deadline = None  # verified accounts never freeze
        staff.freeze_warned_days = None
        staff.unfrozen_at = None
        fields += list(DEADLINE_FIELDS)
    staff.save(update_fields=fields)
    after = {"identity_status": staff.identity_status, "verification": verification.pk}
    if reason:
        after["rejection_reason"] = reason
    audit_record(actor=actor, action=f"identity.{status}", target=staff, before=before, after=after)
    return staff


@transaction.atomic
def verification_approve(*, actor, verification):
    """Approve a pending verification: the account is verified, unmuted and never frozen (R-17).

    ``actor`` must be a platform operator (``PermissionDenied`` otherwise). Raises
    ``ValidationError`` when the verification is no longer pending (reviewed or removed).
    The staff member is notified (inbox + DingTalk).
    """
    _require_operator(actor)
    verification = _locked_pending(verification)
    staff = _review(actor, verification, IdentityVerification.Status.VERIFIED)
    notification_send(
        recipient=staff,
        kind=Notification.Kind.VERIFICATION_RESULT,
        subject=_("Your real-person verification is approved"),
        body=_("Your account is verified: it is no longer muted."),
        link=_page_link(),
        mobile=staff.mobile,
    )
    return verification


@transaction.atomic
def verification_reject(*, actor, verification, reason):
    """Reject a pending verification with a ``reason`` the staff member sees (R-17).

    ``actor`` must be a platform operator. Raises ``ValidationError`` keyed ``reason`` when the
    reason is empty, or when the verification is no longer pending. The account is unverified
    again (muted) and may submit anew before its deadline; it is notified.
    """
    _require_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason, so the staff member knows what to correct.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    verification = _locked_pending(verification)
    staff = _review(actor, verification, IdentityVerification.Status.REJECTED, reason)
    if staff.is_muted:
        staff_can_no_longer_serve.send(sender=User, staff=staff, reason="muted")
    body = _("Reason: %(reason)s. Correct it and submit again.") % {"reason": reason}
    if staff.verify_deadline:
        body += " " + _("Verify by %(deadline)s or the account is frozen.") % {"deadline": _local(staff.verify_deadline)}
    notification_send(
        recipient=staff,
        kind=Notification.Kind.VERIFICATION_RESULT,
        subject=_("Your real-person verification was rejected"),
        body=body,
        link=_page_link(),
        mobile=staff.mobile,
    )
    return verification


def verification_remove(*, actor, staff):
    """Remove the person's verification when they are unbound (R-19); call inside ``staff_offboard``.

    The held verification (pending or verified) becomes ``removed``, which frees the ID number
    and mobile; the account is unverified with no deadline until the next person binds. Audited
    when something changed. Returns the number of verifications removed.
    """
    now = timezone.now()
    removed = IdentityVerification.objects.filter(user=staff, status__in=IdentityVerification.HOLDING).update(
        status=IdentityVerification.Status.REMOVED, removed_at=now
    )
    before = {"identity_status": staff.identity_status, "verify_deadline": staff.verify_deadline}
    staff.identity_status = User.IdentityStatus.UNVERIFIED
    staff.verify_deadline = None
    staff.freeze_warned_days = None
    staff.unfrozen_at = None
    staff.frozen_at = None
    staff.save(update_fields=["identity_status", "frozen_at", *DEADLINE_FIELDS])
    if removed or before["identity_status"] != staff.identity_status:
        audit_record(
            actor=actor,
            action="identity.remove",
            target=staff,
            before=before,
            after={"identity_status": staff.identity_status, "verify_deadline": None},
        )
    return removed


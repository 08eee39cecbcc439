"""Public enrollment and review (R-26, R-27)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services.audit import audit_record
from utilities.names import clean_name

from .. import rollups
from ..models import Campaign, EnrolledProduct
from ..visibility import may_review

ENROLL_FIELDS = ["shop_name", "product_id", "product_url", "title", "price", "proposed_commission_rate", "merchant_contact"]

#: The names a merchant types on the public page, with the noun their messages use (R-21).
ENROLL_NAMES = {
    "shop_name": gettext_lazy("shop name"),
    "title": gettext_lazy("product title"),
    "merchant_contact": gettext_lazy("merchant contact"),
}


def _clean_names(fields):
    """``fields`` with each of ``ENROLL_NAMES`` as stored; ``ValidationError`` naming every bad one."""
    errors = {}
    for name, what in ENROLL_NAMES.items():
        max_length = EnrolledProduct._meta.get_field(name).max_length
        try:
            fields[name] = clean_name(fields.get(name, ""), what=what, field=name, max_length=max_length)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def _rate_limited(ip):
    limit = settings.ENROLLMENT_RATE_LIMIT
    if not ip or not limit:
        return False
    since = timezone.now() - datetime.timedelta(seconds=settings.ENROLLMENT_RATE_WINDOW_SECONDS)
    return EnrolledProduct.objects.filter(submitter_ip=ip, created_at__gte=since).count() >= limit


@transaction.atomic
def enrollment_submit(*, campaign, ip=None, **fields):
    """A merchant enrolls a product on the public page (R-26); automatic review approves at once."""
    if campaign.is_official or not campaign.is_open:
        raise ValidationError(_("This campaign is not open for enrollment."))
    if _rate_limited(ip):
        raise ValidationError(
            _("Too many enrollments from your network in a short time. Please try again in a few minutes."),
            code="rate_limited",
        )
    fields = _clean_names(dict(fields))
    product_id = str(fields.get("product_id", "")).strip()
    if EnrolledProduct.objects.filter(campaign=campaign, product_id=product_id).exists():
        raise ValidationError({"product_id": _("This product is already enrolled in this campaign.")})
    product = EnrolledProduct(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        submitter_ip=ip,
        **{name: fields.get(name, "") for name in ENROLL_FIELDS if name != "product_id"},
        product_id=product_id,
    )
    product.full_clean()
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:  # a concurrent duplicate got in first
        raise ValidationError({"product_id": _("This product is already enrolled in this campaign.")}) from exc
    audit_record(
        actor=None,
        tenant=campaign.tenant,
        action="product.enroll",
        target=product,
        after={"campaign": campaign.title, "product_id": product.product_id, "shop": product.shop_name},
    )
    if campaign.review_mode == Campaign.ReviewMode.AUTOMATIC:
        _decide(
            product,
            status=EnrolledProduct.Status.APPROVED,
            reviewer=None,
            contact_person=campaign.contact_person,
            reason="",
        )
        product.refresh_from_db()
    return product


def _decide(product, *, status, reviewer, contact_person, reason):
    """Move a pending product to ``status`` with a conditional UPDATE: exactly one decision wins."""
    won = EnrolledProduct.objects.filter(pk=product.pk, status=EnrolledProduct.Status.PENDING).update(
        status=status,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        contact_person=contact_person,
        reject_reason=reason,
    )
    if not won:
        current = EnrolledProduct.objects.select_related("reviewed_by").get(pk=product.pk)
        who = current.reviewed_by.label if current.reviewed_by else _("automatic approval")
        raise ValidationError(
            _("This product was already %(status)s by %(who)s.")
            % {"status": current.get_status_display().lower(), "who": who},
            code="already_reviewed",
        )
    product.refresh_from_db()
    rollups.refresh_product(product, previous_contact_id=None)  # pending products have no contact person
    audit_record(
        actor=reviewer,
        tenant=product.tenant,
        action=f"product.{status}",
        target=product,
        before={"status": EnrolledProduct.Status.PENDING},
        after={
            "status": status,
            "contact_person": contact_person.username if contact_person else None,
            "reason": reason,
        },
    )
    return product


@transaction.atomic
def enrollment_approve(*, actor, product):
    """Approve a pending product; the approver becomes its contact person (R-27)."""
    if not may_review(actor, product):
        raise PermissionDenied
    return _decide(product, status=EnrolledProduct.Status.APPROVED, reviewer=actor, contact_person=actor, reason="")


@transaction.atomic
def enrollment_reject(*, actor, product, reason):
    """Reject a pending product, telling the merchant why (R-27).

    ``reason`` is required: a blank one raises ``ValidationError`` on ``reason`` and changes
    nothing. At most 200 characters are kept.
    """
    if not may_review(actor, product):
        raise PermissionDenied
    reason = (reason or "").strip()
    # A product someone else has just decided is reported as such by ``_decide`` below.
    still_pending = EnrolledProduct.objects.filter(pk=product.pk, status=EnrolledProduct.Status.PENDING).exists()
    if not reason and still_pending:
        raise ValidationError(
            {"reason": _("Say why the product is rejected: the merchant sees the reason.")}, code="reason_required"
        )
    return _decide(
        product, status=EnrolledProduct.Status.REJECTED, reviewer=actor, contact_person=None, reason=reason[:200]
    )

"""Attention level and commission alerts (R-29)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification
from accounts.services.audit import audit_record
from accounts.services.notifications import notification_send
from accounts import permissions as catalogue

from ..models import Campaign, EnrolledProduct

EVENT_COMMISSION_CUT = "commission_cut"
EVENT_SERVICE_FEE_RISK = "service_fee_risk"
EVENT_CAMPAIGN_ENDING = "campaign_ending"
RISK_EVENTS = frozenset({EVENT_COMMISSION_CUT, EVENT_SERVICE_FEE_RISK})



def wants_alert(product, event):
    """Whether the product's attention level lets ``event`` through (high: all; normal: risk; off: none)."""
    if product.attention == EnrolledProduct.Attention.HIGH:
        return True
    if product.attention == EnrolledProduct.Attention.NORMAL:
        return event in RISK_EVENTS
    return False


def _event_label(event):
    return {
        EVENT_COMMISSION_CUT: _("Commission cut"),
        EVENT_SERVICE_FEE_RISK: _("Service-fee risk"),
        EVENT_CAMPAIGN_ENDING: _("Campaign ending"),
    }[event]


def product_alert(*, product, event, detail=""):
    """Send a commission alert to the product's contact person when their rights and the
    attention level allow it; return whether one was sent."""
    person = product.contact_person
    if person is None or product.status != EnrolledProduct.Status.APPROVED:
        return False
    if not person.has_perm(catalogue.perm(catalogue.COMMISSION_ALERTS)):
        return False
    if not wants_alert(product, event):
        return False
    from django.urls import reverse

    notification_send(
        recipient=person,
        kind=Notification.Kind.COMMISSION_ALERT,
        subject=_("%(event)s: %(product)s") % {"event": _event_label(event), "product": product.title},
        body=_("Campaign: %(campaign)s. %(detail)s") % {"campaign": product.campaign.title, "detail": detail},
        link=reverse("campaigns:product_detail", args=[product.pk]),
        mobile=person.mobile,
    )
    return True


@transaction.atomic
def product_set_attention(*, actor, product, attention):
    """Set how closely the contact person follows a product (R-29); only they or the main account may."""
    if not (actor.tenant_id == product.tenant_id and (actor.is_owner or product.contact_person_id == actor.pk)):
        raise PermissionDenied
    if attention not in EnrolledProduct.Attention.values:
        raise ValidationError({"attention": _("Choose high, normal or off.")})
    before = {"attention": product.attention}
    product.attention = attention
    product.save(update_fields=["attention"])
    audit_record(actor=actor, action="product.attention", target=product, before=before, after={"attention": attention})
    return product


def campaign_ending_alerts(*, within_days=3, today=None):
    """Alert contact persons of products in campaigns ending within ``within_days`` days, once per campaign."""
    today = today or timezone.localdate()
    ending = Campaign.objects.filter(
        is_official=False,
        ending_alerted_at__isnull=True,
        ends_on__gte=today,
        ends_on__lte=today + datetime.timedelta(days=within_days),
    )
    sent = 0
    for campaign in ending:
        with transaction.atomic():
            claimed = Campaign.objects.filter(pk=campaign.pk, ending_alerted_at__isnull=True).update(
                ending_alerted_at=timezone.now()
            )
            if not claimed:
                continue  # another run got there first
            products = EnrolledProduct.objects.filter(
                campaign=campaign, status=EnrolledProduct.Status.APPROVED
            ).select_related("contact_person", "campaign")
            for product in products:
                sent += product_alert(
                    product=product,
                    event=EVENT_CAMPAIGN_ENDING,
                    detail=_("The campaign ends on %(date)s.") % {"date": campaign.ends_on.isoformat()},
                )
            audit_record(actor=None, tenant=campaign.tenant, action="campaign.ending_alerts", target=campaign)
    return sent

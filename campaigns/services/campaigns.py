from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services.audit import audit_record
from accounts import permissions as catalogue
from utilities.names import clean_name

from ..models import Campaign, EnrolledProduct
from ..visibility import campaign_sync_grants, campaigns_visible_to, has_right
from .alerts import EVENT_COMMISSION_CUT, product_alert

CAMPAIGN_TITLE = gettext_lazy("campaign title")


def clean_campaign_title(value):
    """A campaign title as stored, or ``ValidationError`` keyed ``title`` (R-21)."""
    return clean_name(value, what=CAMPAIGN_TITLE, field="title", max_length=Campaign._meta.get_field("title").max_length)


FIELDS = [
    "title",
    "description",
    "starts_on",
    "ends_on",
    "commission_rate",
    "service_fee_rate",
    "review_mode",
    "contact_person",
    "scope_whole_tenant",
    "is_published",
]


def _rate(value):
    """A rate as the pages show it: two decimals (``15`` typed in a form reads ``15.00``)."""
    return Decimal(value).quantize(Decimal("0.01"))


def _can_publish(actor, tenant):
    return actor.tenant_id == tenant.pk and (actor.is_owner or has_right(actor, catalogue.PUBLISH_CAMPAIGNS))


def _snapshot(campaign):
    data = {name: getattr(campaign, name) for name in FIELDS}
    data["contact_person"] = str(campaign.contact_person) if campaign.contact_person_id else None
    if campaign.pk:
        data["scope_departments"] = sorted(d.path for d in campaign.scope_departments.all())
        data["scope_staff"] = sorted(s.username for s in campaign.scope_staff.all())
    return data


def _check_rules(tenant, contact_person, scope_departments, scope_staff, review_mode, scope_whole_tenant, period):
    """Raise one ``ValidationError`` naming every field that breaks a campaign rule."""
    errors = {}
    starts_on, ends_on = period
    if starts_on and ends_on and ends_on < starts_on:
        # Named after the field, not only the model constraint's non-field error, so every caller
        # (page, admin, import) shows it next to the end date.
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    if contact_person is not None and (
        contact_person.tenant_id != tenant.pk
        or contact_person.kind not in {User.Kind.OWNER, User.Kind.STAFF}
        or contact_person.status == User.Status.RESIGNED
    ):
        errors["contact_person"] = _("Choose a current account of your own organisation.")
    if review_mode == Campaign.ReviewMode.AUTOMATIC and contact_person is None:
        errors["contact_person"] = _("Automatic approval needs a campaign contact person: approved products go to them.")
    if any(d.tenant_id != tenant.pk for d in scope_departments):
        errors["scope_departments"] = _("Choose departments of your own organisation.")
    if any(s.tenant_id != tenant.pk or not s.is_staff_account for s in scope_staff):
        errors["scope_staff"] = _("Choose staff of your own organisation.")
    if not (scope_whole_tenant or scope_departments or scope_staff):
        errors["scope_whole_tenant"] = _(
            "Choose who sees the campaign: the whole organisation, departments or named staff."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_create(
    *,
    actor,
    tenant,
    title,
    starts_on,
    ends_on,
    commission_rate,
    service_fee_rate,
    description="",
    review_mode=Campaign.ReviewMode.MANUAL,
    contact_person=None,
    scope_whole_tenant=False,
    is_published=True,
    scope_departments=(),
    scope_staff=(),
):
    """Create a campaign with its visibility scope (R-23) and grant it (R-24); return it.

    Rates are percentages (Decimal). Raises ``PermissionDenied`` unless the actor may publish in
    ``tenant``, ``ValidationError`` naming each field that breaks a campaign rule.
    """
    if not _can_publish(actor, tenant):
        raise PermissionDenied
    title = clean_campaign_title(title)
    scope_departments, scope_staff = list(scope_departments), list(scope_staff)
    _check_rules(
        tenant, contact_person, scope_departments, scope_staff, review_mode, scope_whole_tenant, (starts_on, ends_on)
    )
    campaign = Campaign(
        tenant=tenant,
        creator=actor,
        title=title,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        commission_rate=commission_rate,
        service_fee_rate=service_fee_rate,
        review_mode=review_mode,
        contact_person=contact_person,
        scope_whole_tenant=scope_whole_tenant,
        is_published=is_published,
    )
    campaign.full_clean()
    campaign.save()
    campaign.scope_departments.set(scope_departments)
    campaign.scope_staff.set(scope_staff)
    campaign_sync_grants(campaign)
    audit_record(actor=actor, action="campaign.create", target=campaign, after=_snapshot(campaign))
    return campaign


class _Unchanged:
    """The default of ``campaign_update``'s fields: keep the stored value."""

    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = _Unchanged()


@transaction.atomic
def campaign_update(
    *,
    actor,
    campaign,
    title=UNCHANGED,
    description=UNCHANGED,
    starts_on=UNCHANGED,
    ends_on=UNCHANGED,
    commission_rate=UNCHANGED,
    service_fee_rate=UNCHANGED,
    review_mode=UNCHANGED,
    contact_person=UNCHANGED,
    scope_whole_tenant=UNCHANGED,
    is_published=UNCHANGED,
    scope_departments=None,
    scope_staff=None,
):
    """Edit a campaign the actor can see; a lower commission rate alerts the contact persons (R-29).

    A field left out keeps its stored value, read from the campaign row locked here (never from
    the caller's instance, which a bound ModelForm may already have changed); ``scope_departments``
    / ``scope_staff`` left out (``None``) keep the current scope. Raises ``PermissionDenied`` or
    ``ValidationError`` as ``campaign_create`` does. Returns the campaign.
    """
    given = {
        "title": title,
        "description": description,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "commission_rate": commission_rate,
        "service_fee_rate": service_fee_rate,
        "review_mode": review_mode,
        "contact_person": contact_person,
        "scope_whole_tenant": scope_whole_tenant,
        "is_published": is_published,
    }
    fields = {name: value for name, value in given.items() if value is not UNCHANGED}
    if "title" in fields:
        fields["title"] = clean_campaign_title(fields["title"])
    tenant = campaign.tenant
    if campaign.is_official or not _can_publish(actor, tenant):
        raise PermissionDenied
    if not campaigns_visible_to(actor).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if scope_departments is None:
        scope_departments = campaign.scope_departments.all()
    if scope_staff is None:
        scope_staff = campaign.scope_staff.all()
    scope_departments, scope_staff = list(scope_departments), list(scope_staff)
    _check_rules(
        tenant,
        fields.get("contact_person", campaign.contact_person),
        scope_departments,
        scope_staff,
        fields.get("review_mode", campaign.review_mode),
        fields.get("scope_whole_tenant", campaign.scope_whole_tenant),
        (fields.get("starts_on", campaign.starts_on), fields.get("ends_on", campaign.ends_on)),
    )
    before = _snapshot(campaign)
    old_rate = campaign.commission_rate
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    campaign.scope_departments.set(scope_departments)
    campaign.scope_staff.set(scope_staff)
    campaign_sync_grants(campaign)
    after = _snapshot(campaign)
    if before != after:
        audit_record(actor=actor, action="campaign.update", target=campaign, before=before, after=after)
    if campaign.commission_rate < old_rate:
        approved = EnrolledProduct.objects.filter(campaign=campaign, status=EnrolledProduct.Status.APPROVED)
        for product in approved.select_related("contact_person", "campaign"):
            product_alert(
                product=product,
                event=EVENT_COMMISSION_CUT,
                detail=_("Commission rate cut from %(old)s%% to %(new)s%%.")
                % {"old": _rate(old_rate), "new": _rate(campaign.commission_rate)},
            )
    return campaign

"""The one place that decides who sees which campaign, product and figure (R-24, R-25, R-28, R-31).

Grants are django-guardian rows in the direct-foreign-key tables, derived from the campaign or
product by the ``*_sync_grants`` functions below, which are the only code that writes them:

Campaign
    * creator → person grant ``view_campaign`` (sees it regardless of rights)
    * each scope department → its ``member_group`` gets ``campaign_in_scope``; its ``admin_group``
      (admins at or above it) gets ``view_campaign``
    * each named staff member → person grant ``campaign_in_scope``; their ``overseer_group``
      (admins at or above their department) gets ``view_campaign``
    * whole organisation → no rows; the ``scope_whole_tenant`` flag is read directly
  ``campaign_in_scope`` counts only for viewers who hold ``view_campaigns`` or
  ``publish_campaigns``, or who are department admins (an admin inside the scope is someone
  in scope). Legacy campaigns get no grants: the main account only.

Approved product
    * contact person → person grant ``view_enrolledproduct``
    * the contact person's ``overseer_group`` → ``view_enrolledproduct``
  Pending and rejected products have no grants: reviewers see them through the campaign.

Groups follow the org chart (``orgchart.scope.sync_scope_groups``), so tree moves and admin
flags never rewrite these rows.
"""

from functools import lru_cache

from django.contrib.auth.models import Permission
from django.db.models import Q

from orgchart import permissions as catalogue

from .models import (
    Campaign,
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    EffectByContact,
    EffectDaily,
    EnrolledProduct,
    EnrolledProductGroupObjectPermission,
    EnrolledProductUserObjectPermission,
)

VIEW_CAMPAIGN = "view_campaign"
IN_SCOPE = "campaign_in_scope"
VIEW_PRODUCT = "view_enrolledproduct"

CAMPAIGN_RIGHTS = (catalogue.VIEW_CAMPAIGNS, catalogue.PUBLISH_CAMPAIGNS)
ANY_CAMPAIGN_RIGHT = (*CAMPAIGN_RIGHTS, catalogue.REVIEW_ENROLLMENTS)


@lru_cache(maxsize=None)
def _permission_id(codename):
    return Permission.objects.get(content_type__app_label="campaigns", codename=codename).pk


def permission_id(codename):
    try:
        return _permission_id(codename)
    except Permission.DoesNotExist:  # the test database may have been flushed and refilled
        _permission_id.cache_clear()
        return _permission_id(codename)


def forget_permission_ids(**kwargs):
    """Drop the cached permission ids (a ``post_migrate`` receiver).

    ``flush`` (run after every transactional test) recreates the permission rows under new ids;
    a cached old id would otherwise be written into new grants and break their foreign key.
    """
    _permission_id.cache_clear()


def has_right(user, code):
    return user.has_perm(catalogue.perm(code))


def holds_campaign_right(user):
    """Whether ``user`` may see campaigns at all: the campaign menus and official campaigns (R-7, R-25)."""
    return user.is_authenticated and (user.is_owner or any(has_right(user, c) for c in ANY_CAMPAIGN_RIGHT))


def _counts_in_scope(user):
    return user.is_department_admin or any(has_right(user, c) for c in CAMPAIGN_RIGHTS)


# Reads ---------------------------------------------------------------------------------------


def campaigns_visible_to(user):
    """The tenant campaigns ``user`` may see (R-24); official ones are ``official_campaigns_for``."""
    if not user.is_authenticated or user.tenant_id is None:
        return Campaign.objects.none()
    tenant_campaigns = Campaign.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return tenant_campaigns
    if not user.is_staff_account:
        return Campaign.objects.none()
    codes = [VIEW_CAMPAIGN]
    in_scope = _counts_in_scope(user)
    if in_scope:
        codes.append(IN_SCOPE)
    perm_ids = [permission_id(c) for c in codes]
    by_person = CampaignUserObjectPermission.objects.filter(user_id=user.pk, permission_id__in=perm_ids).values(
        "content_object_id"
    )
    by_group = CampaignGroupObjectPermission.objects.filter(
        group__user=user.pk, permission_id__in=perm_ids
    ).values("content_object_id")
    condition = Q(pk__in=by_person) | Q(pk__in=by_group)
    if in_scope:
        condition |= Q(scope_whole_tenant=True)
    return tenant_campaigns.filter(is_legacy=False).filter(condition)


def official_campaigns_for(user):
    """Official campaigns: every tenant's staff with a campaign right, and main accounts (R-25)."""
    if not holds_campaign_right(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(is_official=True, tenant__isnull=True)


def can_view_campaign(user, campaign):
    if campaign.is_official:
        return official_campaigns_for(user).filter(pk=campaign.pk).exists()
    return campaigns_visible_to(user).filter(pk=campaign.pk).exists()


def products_visible_to(user):
    """Enrolled products ``user`` may see (R-28): approved ones by contact person and overseeing
    admins; pending and rejected ones by reviewers who can see the campaign."""
    if not user.is_authenticated or user.tenant_id is None:
        return EnrolledProduct.objects.none()
    tenant_products = EnrolledProduct.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return tenant_products
    if not user.is_staff_account:
        return EnrolledProduct.objects.none()
    condition = Q(status=EnrolledProduct.Status.APPROVED) & _granted_products(user)
    if has_right(user, catalogue.REVIEW_ENROLLMENTS):
        condition |= Q(
            status__in=[EnrolledProduct.Status.PENDING, EnrolledProduct.Status.REJECTED],
            campaign__in=campaigns_visible_to(user).values("pk"),
        )
    return tenant_products.filter(condition)


def _granted_products(user):
    perm_id = permission_id(VIEW_PRODUCT)
    by_person = EnrolledProductUserObjectPermission.objects.filter(user_id=user.pk, permission_id=perm_id).values(
        "content_object_id"
    )
    by_group = EnrolledProductGroupObjectPermission.objects.filter(group__user=user.pk, permission_id=perm_id).values(
        "content_object_id"
    )
    return Q(pk__in=by_person) | Q(pk__in=by_group)


def can_view_product(user, product):
    return products_visible_to(user).filter(pk=product.pk).exists()


def effects_visible_to(user):
    """Effect data within the viewer's data scope (R-31): the approved products they may see."""
    if not user.is_authenticated or user.tenant_id is None:
        return EffectDaily.objects.none()
    effects = EffectDaily.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return effects
    if not (user.is_staff_account and has_right(user, catalogue.VIEW_EFFECT_DATA)):
        return EffectDaily.objects.none()
    visible = EnrolledProduct.objects.filter(
        Q(tenant_id=user.tenant_id, status=EnrolledProduct.Status.APPROVED) & _granted_products(user)
    )
    return effects.filter(product__in=visible.values("pk"))


def may_review(user, product):
    """Whether ``user`` holds the right to review ``product``'s campaign (R-27), whatever its status."""
    if not user.is_authenticated or user.tenant_id != product.tenant_id:
        return False
    if user.is_owner:
        return True
    return has_right(user, catalogue.REVIEW_ENROLLMENTS) and can_view_campaign(user, product.campaign)


def contacts_overseen_by(user):
    """The contact persons whose approved products ``user`` sees: themselves and everyone whose
    overseer group holds them. The same people the product grants name (see the module doc)."""
    from accounts.models import User

    return User.objects.filter(
        Q(pk=user.pk) | Q(overseer_group__user=user.pk), tenant_id=user.tenant_id, kind=User.Kind.STAFF
    ).values("pk")


def effect_totals_visible_to(user):
    """Daily totals per contact person within the viewer's data scope (R-31): all for the main
    account, the overseen contact persons' for staff holding ``view_effect_data``."""
    if not user.is_authenticated or user.tenant_id is None:
        return EffectByContact.objects.none()
    rows = EffectByContact.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return rows
    if not (user.is_staff_account and has_right(user, catalogue.VIEW_EFFECT_DATA)):
        return EffectByContact.objects.none()
    return rows.filter(contact_person__in=contacts_overseen_by(user))


def can_review(user, product):
    """Whether ``user`` may approve or reject ``product`` now: it is pending and they may review."""
    return product.status == EnrolledProduct.Status.PENDING and may_review(user, product)


def mark_reviewable(user, products):
    """Set ``product.reviewable`` (``can_review``) on a page of products with at most one query."""
    products = list(products)
    pending = {p.campaign_id for p in products if p.status == EnrolledProduct.Status.PENDING}
    allowed = set()
    if pending and user.is_authenticated:
        if user.is_owner:
            allowed = pending
        elif has_right(user, catalogue.REVIEW_ENROLLMENTS):
            allowed = set(campaigns_visible_to(user).filter(pk__in=pending).values_list("pk", flat=True))
    for product in products:
        product.reviewable = (
            product.status == EnrolledProduct.Status.PENDING
            and product.tenant_id == user.tenant_id
            and product.campaign_id in allowed
        )
    return products


# Writes: the only code that grants or revokes object permissions -------------------------------


def campaign_sync_grants(campaign):
    """Rewrite ``campaign``'s grants from its creator and scope."""
    CampaignUserObjectPermission.objects.filter(content_object=campaign).delete()
    CampaignGroupObjectPermission.objects.filter(content_object=campaign).delete()
    if campaign.is_legacy or campaign.is_official:
        return
    view_id, scope_id = permission_id(VIEW_CAMPAIGN), permission_id(IN_SCOPE)
    person_rows, group_rows = set(), set()
    if campaign.creator_id and campaign.creator.is_staff_account:
        person_rows.add((campaign.creator_id, view_id))
    for department in campaign.scope_departments.all():
        if department.member_group_id:
            group_rows.add((department.member_group_id, scope_id))
        if department.admin_group_id:
            group_rows.add((department.admin_group_id, view_id))
    for staff in campaign.scope_staff.all():
        person_rows.add((staff.pk, scope_id))
        if staff.overseer_group_id:
            group_rows.add((staff.overseer_group_id, view_id))
    CampaignUserObjectPermission.objects.bulk_create(
        [CampaignUserObjectPermission(content_object=campaign, user_id=u, permission_id=p) for u, p in person_rows]
    )
    CampaignGroupObjectPermission.objects.bulk_create(
        [CampaignGroupObjectPermission(content_object=campaign, group_id=g, permission_id=p) for g, p in group_rows]
    )


def product_sync_grants(product):
    """Rewrite ``product``'s grants from its status and contact person."""
    EnrolledProductUserObjectPermission.objects.filter(content_object=product).delete()
    EnrolledProductGroupObjectPermission.objects.filter(content_object=product).delete()
    person = product.contact_person
    if product.status != EnrolledProduct.Status.APPROVED or person is None or not person.is_staff_account:
        return
    view_id = permission_id(VIEW_PRODUCT)
    EnrolledProductUserObjectPermission.objects.create(content_object=product, user_id=person.pk, permission_id=view_id)
    if person.overseer_group_id:
        EnrolledProductGroupObjectPermission.objects.create(
            content_object=product, group_id=person.overseer_group_id, permission_id=view_id
        )


def products_move_grants(*, from_staff, to_staff):
    """Point every product grant of ``from_staff``'s products at ``to_staff`` (hand-over, R-16).

    Two UPDATEs, whatever the number of products; call before changing ``contact_person``.
    """
    products = EnrolledProduct.objects.filter(contact_person=from_staff, status=EnrolledProduct.Status.APPROVED)
    ids = products.values("pk")
    EnrolledProductUserObjectPermission.objects.filter(user=from_staff, content_object__in=ids).update(user=to_staff)
    if from_staff.overseer_group_id and to_staff.overseer_group_id:
        EnrolledProductGroupObjectPermission.objects.filter(
            group_id=from_staff.overseer_group_id, content_object__in=ids
        ).update(group_id=to_staff.overseer_group_id)


def campaigns_move_creator_grants(*, campaign_ids, from_staff, to_staff):
    """Give ``to_staff`` the creator grant on ``campaign_ids`` in place of ``from_staff`` (hand-over)."""
    view_id = permission_id(VIEW_CAMPAIGN)
    CampaignUserObjectPermission.objects.filter(
        user=from_staff, permission_id=view_id, content_object_id__in=campaign_ids
    ).delete()
    CampaignUserObjectPermission.objects.bulk_create(
        [CampaignUserObjectPermission(content_object_id=pk, user=to_staff, permission_id=view_id) for pk in campaign_ids],
        ignore_conflicts=True,
    )


# Explanations (R-8) -----------------------------------------------------------------------------


def explain_campaign(user, campaign):
    """Return the sentences naming each rule that lets ``user`` see ``campaign`` (empty: none does)."""
    from django.utils.translation import gettext as _

    reasons = []
    if campaign.tenant_id != user.tenant_id:
        return reasons
    if user.is_owner:
        return [_("Main account: sees every campaign of the organisation.")]
    if campaign.is_legacy:
        return reasons
    in_scope = _counts_in_scope(user)
    if campaign.creator_id == user.pk:
        reasons.append(_("Created this campaign."))
    if campaign.scope_whole_tenant and in_scope:
        reasons.append(_("The campaign is visible to the whole organisation."))
    groups = set(user.groups.values_list("pk", flat=True))
    for department in campaign.scope_departments.all():
        if in_scope and department.member_group_id in groups:
            reasons.append(_("Works in %(department)s, which is in the campaign's scope.") % {"department": department.path})
        if department.admin_group_id in groups:
            reasons.append(
                _("Department admin above %(department)s, which is in the campaign's scope.")
                % {"department": department.path}
            )
    for staff in campaign.scope_staff.all():
        if staff.pk == user.pk and in_scope:
            reasons.append(_("Named in the campaign's scope."))
        elif staff.overseer_group_id in groups:
            reasons.append(_("Department admin above %(name)s, who is in the campaign's scope.") % {"name": staff.label})
    return reasons


def explain_product(user, product):
    from django.utils.translation import gettext as _

    if product.tenant_id != user.tenant_id:
        return []
    if user.is_owner:
        return [_("Main account: sees every product of the organisation.")]
    reasons = []
    if product.status == EnrolledProduct.Status.APPROVED:
        if product.contact_person_id == user.pk:
            reasons.append(_("Is the product's contact person."))
        elif product.contact_person and product.contact_person.overseer_group_id in set(
            user.groups.values_list("pk", flat=True)
        ):
            reasons.append(
                _("Department admin above the contact person %(name)s.") % {"name": product.contact_person.label}
            )
    elif has_right(user, catalogue.REVIEW_ENROLLMENTS) and can_view_campaign(user, product.campaign):
        reasons.append(_("Reviewer who can see the campaign; the product is not approved yet."))
    return reasons

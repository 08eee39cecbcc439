"""Explanations (R-8): the rule that lets a person see a campaign or product, in words."""

from accounts import permissions as catalogue

from ..models import Campaign, EnrolledProduct
from .rights import _counts_in_scope, has_right
from .reads import campaigns_visible_to, can_view_campaign, contact_ids_visible_to, products_visible_to


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
    """Return the sentences naming each rule that lets ``user`` see ``product`` (empty: none does)."""
    from django.utils.translation import gettext as _

    if product.tenant_id != user.tenant_id:
        return []
    if user.is_owner:
        return [_("Main account: sees every product of the organisation.")]
    reasons = []
    if product.status == EnrolledProduct.Status.APPROVED:
        contact = product.contact_person
        if contact is not None and contact.pk in contact_ids_visible_to(user):
            if contact.pk == user.pk:
                reasons.append(_("Is the product's contact person."))
            else:
                reasons.append(_("Department admin above the contact person %(name)s.") % {"name": contact.label})
    elif has_right(user, catalogue.REVIEW_ENROLLMENTS) and can_view_campaign(user, product.campaign):
        reasons.append(_("Reviewer who can see the campaign; the product is not approved yet."))
    return reasons


def explain(user, obj):
    """``(visible, reasons)`` for a campaign or an enrolled product: whether ``user`` sees it by
    the same queries the lists use, and the sentences naming the rules that grant it."""
    if isinstance(obj, Campaign):
        visible = campaigns_visible_to(user).filter(pk=obj.pk).exists()
        reasons = explain_campaign(user, obj)
    else:
        visible = products_visible_to(user).filter(pk=obj.pk).exists()
        reasons = explain_product(user, obj)
    return visible, reasons if visible else []

"""The compiled visibility SQL (``campaigns.visibility.compiled``) returns exactly the rows the ORM
expressions it replaced returned, for every persona, including those who must see nothing (issue 27).

The ORM reference below is the code as it stood before the SQL was compiled once per process.
"""

import pytest
from django.db.models import Q, Value

from accounts.models import User
from campaigns.models import (
    Campaign,
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
    EnrolledProduct,
)
from campaigns.visibility import campaigns_visible_to, products_visible_to, viewer_scope
from campaigns.visibility.reads import _campaign_permission_ids
from campaigns.visibility.rights import IN_SCOPE, VIEW_CAMPAIGN, VIEW_CONTACT_PRODUCTS, _counts_in_scope, permission_id

from .test_visibility_matrix import MATRIX, persona

PERSONAS = [*MATRIX, "other_owner"]


def orm_scope(user):
    memberships = User.groups.through.objects.filter(user_id=user.pk)
    contact_perm = permission_id(VIEW_CONTACT_PRODUCTS)
    rows = memberships.order_by().values_list("group_id", Value("g")).union(
        ContactPersonUserObjectPermission.objects.filter(user_id=user.pk, permission_id=contact_perm)
        .order_by()
        .values_list("content_object_id", Value("c")),
        ContactPersonGroupObjectPermission.objects.filter(
            group_id__in=memberships.values("group_id"), permission_id=contact_perm
        )
        .order_by()
        .values_list("content_object_id", Value("c")),
        all=True,
    )
    groups = sorted({pk for pk, kind in rows if kind == "g"})
    contacts = sorted({pk for pk, kind in rows if kind == "c"})
    return tuple(groups), tuple(contacts)


def orm_granted(user, field):
    group_ids = viewer_scope(user).group_ids
    perms = _campaign_permission_ids(user)
    by_person = CampaignUserObjectPermission.objects.filter(user_id=user.pk, permission_id__in=perms)
    by_group = CampaignGroupObjectPermission.objects.filter(group_id__in=group_ids, permission_id__in=perms)
    return Q(**{f"{field}__in": by_person.values("content_object_id")}) | Q(
        **{f"{field}__in": by_group.values("content_object_id")}
    )


def orm_campaigns(user):
    tenant_campaigns = Campaign.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return tenant_campaigns
    condition = orm_granted(user, "pk")
    if _counts_in_scope(user):
        condition |= Q(scope_whole_tenant=True)
    return tenant_campaigns.filter(is_legacy=False).filter(condition)


def orm_reviewable_products(user):
    condition = orm_granted(user, "campaign_id")
    if _counts_in_scope(user):
        whole = Campaign.objects.filter(tenant_id=user.tenant_id, scope_whole_tenant=True, is_legacy=False)
        condition |= Q(campaign_id__in=whole.values("pk"))
    return EnrolledProduct.objects.filter(tenant_id=user.tenant_id, status__in=["pending", "rejected"]).filter(condition)


def user_of(world, name):
    return world.other_owner if name == "other_owner" else persona(world, name)


@pytest.mark.parametrize("name", PERSONAS)
def test_scope_rows_match_the_orm(world, name):
    user = user_of(world, name)
    scope = viewer_scope(user)
    if user.is_staff_account:
        assert (scope.group_ids, scope.contact_ids) == orm_scope(user)
    else:
        assert scope.group_ids == scope.contact_ids == ()


@pytest.mark.parametrize("name", PERSONAS)
def test_campaign_rows_match_the_orm(world, name):
    user = user_of(world, name)
    expected = set(orm_campaigns(user).values_list("pk", flat=True)) if user.is_staff_account or user.is_owner else set()

    assert set(campaigns_visible_to(user).values_list("pk", flat=True)) == expected
    # The compiled subqueries also hold when the set is used inside another query (relabelled aliases).
    nested = Campaign.objects.filter(pk__in=campaigns_visible_to(user).values("pk"))
    assert set(nested.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_reviewable_product_rows_match_the_orm(world, name):
    user = user_of(world, name)
    from campaigns.visibility import has_right
    from accounts import permissions as catalogue

    shown = set(products_visible_to(user).filter(status__in=["pending", "rejected"]).values_list("pk", flat=True))
    if user.is_owner:
        expected = set(EnrolledProduct.objects.filter(tenant_id=user.tenant_id, status__in=["pending", "rejected"]).values_list("pk", flat=True))
    elif user.is_staff_account and has_right(user, catalogue.REVIEW_ENROLLMENTS):
        expected = set(orm_reviewable_products(user).values_list("pk", flat=True))
    else:
        expected = set()
    assert shown == expected


def test_someone_with_no_grant_and_no_group_sees_no_campaign(world):
    """``bare_in`` is in every scope but holds no right; stripped of its groups and person
    grants too, the compiled OR (no group ``IN`` at all) must still match nothing."""
    user = world.bare_in
    user.groups.clear()
    CampaignUserObjectPermission.objects.filter(user=user).delete()
    user = User.objects.get(pk=user.pk)

    assert viewer_scope(user).group_ids == ()
    assert not campaigns_visible_to(user).exists()
    assert not products_visible_to(user).exists()
    assert set(orm_campaigns(user).values_list("pk", flat=True)) == set()
    assert permission_id(IN_SCOPE) and permission_id(VIEW_CAMPAIGN)

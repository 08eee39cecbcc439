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
from campaigns.visibility import (
    campaign_ids_visible_to,
    campaigns_visible_to,
    product_ids_visible_to,
    products_visible_to,
    viewer_scope,
)
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


STATUSES = [None, "approved", "pending", "rejected"]


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("status", STATUSES)
def test_product_ids_match_products_visible_to(world, name, status):
    """The product list's compiled ids are ``products_visible_to``'s rows, newest first, for every
    persona and status filter: those who must see nothing get nothing."""
    user = user_of(world, name)
    expected = list(products_visible_to(user, status=status).order_by("-id").values_list("pk", flat=True))

    assert product_ids_visible_to(user, status=status) == expected
    assert product_ids_visible_to(user, status=status, limit=2) == expected[:2]


def test_product_ids_of_someone_outside_every_scope_are_empty(world):
    """No group, no person grant, no right: the compiled statement's empty lists match nothing
    (on PostgreSQL an empty array parameter, on SQLite no placeholder at all)."""
    user = world.bare_in
    user.groups.clear()
    CampaignUserObjectPermission.objects.filter(user=user).delete()
    ContactPersonUserObjectPermission.objects.filter(user=user).delete()
    user = User.objects.get(pk=user.pk)

    assert product_ids_visible_to(user) == []
    assert list(products_visible_to(user).values_list("pk", flat=True)) == []


def test_product_ids_of_a_stranger_are_empty():
    from django.contrib.auth.models import AnonymousUser

    assert product_ids_visible_to(AnonymousUser()) == []


@pytest.mark.parametrize("name", PERSONAS)
def test_product_ids_of_a_whole_tenant_campaign_match(world, name):
    """A pending product of the campaign scoped to the whole organisation: reviewers see it by
    the campaign's flag (no grant row names it), in the compiled ids as in the ORM's rows."""
    from tests.personas import enroll

    pending = enroll(world.c_whole, "1000099", "P-whole-pending")
    user = user_of(world, name)
    expected = list(products_visible_to(user).order_by("-id").values_list("pk", flat=True))

    assert product_ids_visible_to(user) == expected
    if name == "reviewer_in":
        assert pending.pk in expected


# Search terms of every kind: any case, Chinese, LIKE's wildcards (matched literally), a product ID
# typed with full-width digits (normalised, issue 15).
SEARCHES = ["p-", "P-PENDING", "服饰", "%", "_", "\\", "1000002", "１０００００２"]


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("search", SEARCHES)
def test_product_ids_of_a_search_match_the_orm(world, name, search):
    from django.db.models import Q

    from utilities.text import normalize_identifier

    user = user_of(world, name)
    for status in STATUSES:
        expected = list(
            products_visible_to(user, status=status)
            .filter(Q(title__icontains=search) | Q(shop_name__icontains=search) | Q(product_id=normalize_identifier(search)))
            .order_by("-id")
            .values_list("pk", flat=True)
        )
        assert product_ids_visible_to(user, status=status, search=search) == expected, status


def orm_campaign_ids(user, title=None, period=None):
    """The campaign list's rows as the ORM read them before the compiled statement (R-24)."""
    campaigns = campaigns_visible_to(user)
    if title:
        campaigns = campaigns.filter(title__icontains=title)
    if period:
        lookup, day = period
        campaigns = {
            "running": campaigns.filter(starts_on__lte=day, ends_on__gte=day),
            "upcoming": campaigns.filter(starts_on__gt=day),
            "ended": campaigns.filter(ends_on__lt=day),
        }[lookup]
    return list(campaigns.order_by("-id").values_list("pk", flat=True))


@pytest.mark.parametrize("name", PERSONAS)
def test_campaign_ids_match_campaigns_visible_to(world, name):
    """Every persona, every filter of the campaign list: the compiled ids are the ORM's rows, in
    order; those who must see nothing (no right, another tenant) get nothing."""
    import datetime

    from django.utils import timezone

    user = user_of(world, name)
    today = timezone.localdate()
    filters = [
        {},
        {"title": "c-"},
        {"title": "服饰"},
        {"title": "%"},
        {"title": "_"},
        {"title": "C-WHOLE"},
        *({"period": (lookup, day)} for lookup in ("running", "upcoming", "ended") for day in (today, today - datetime.timedelta(days=5))),
        {"title": "c-", "period": ("running", today)},
    ]
    for arguments in filters:
        expected = orm_campaign_ids(user, **arguments)
        assert campaign_ids_visible_to(user, **arguments) == expected, arguments
        assert campaign_ids_visible_to(user, limit=1, **arguments) == expected[:1], arguments


def test_campaign_ids_of_a_stranger_or_a_bare_account_are_empty(world):
    from django.contrib.auth.models import AnonymousUser

    user = world.bare_in
    user.groups.clear()
    CampaignUserObjectPermission.objects.filter(user=user).delete()
    user = User.objects.get(pk=user.pk)

    assert campaign_ids_visible_to(AnonymousUser()) == []
    assert campaign_ids_visible_to(user) == orm_campaign_ids(user) == []

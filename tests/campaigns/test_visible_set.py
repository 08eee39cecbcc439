"""The kept visible set (``campaigns.visibility.visible_set``) never serves what a viewer no longer
sees (R-24, R-14, R-15; issue 27).

Each writer test warms the viewer's set with a first list request, writes, then shows that the
very next list request, its count, the search and the detail page no longer show what the viewer
must not see. The writers include raw ones (a queryset ``delete()``, an m2m ``clear()``): the key
moves by database triggers, whoever writes.
"""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.data_generation import data_generation
from accounts.services.staff import staff_disable, staff_update
from campaigns import services as campaign_services
from campaigns.models import CampaignGroupObjectPermission, CampaignUserObjectPermission
from campaigns.visibility import campaigns_visible_to, products_visible_to, visible_set
from orgchart.services import department_set_admins


def kept_count():
    return len(visible_set._kept)


def campaign_channels(client, campaign):
    """What the campaign pages show of ``campaign``: ``(listed, counted, found, detail status)``."""
    listing = client.get(reverse("campaigns:list"))
    assert listing.status_code == 200
    listed = f'data-campaign="{campaign.title}"' in listing.content.decode()
    counted = listing.context["page_obj"].paginator.count
    found = client.get(reverse("campaigns:list"), {"q": campaign.title}).context["page_obj"].paginator.count
    detail = client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code
    return listed, counted, found, detail


def warm(client, user, campaign):
    """Log ``user`` in, read the campaign list once (its set is kept) and check ``campaign`` shows."""
    client.force_login(user)
    before = kept_count()
    listed, counted, found, detail = campaign_channels(client, campaign)
    assert (listed, found, detail) == (True, 1, 200)
    assert kept_count() > before, "the first list request keeps the viewer's set"
    return counted


def assert_gone(client, campaign, counted_before, gained=0):
    """``campaign`` is gone from every channel; the list counts one fewer (plus ``gained``)."""
    listed, counted, found, detail = campaign_channels(client, campaign)
    assert not listed
    assert counted == counted_before - 1 + gained
    assert found == 0
    assert detail == 404


def test_a_warm_list_reads_the_kept_set(client, world, django_assert_max_num_queries):
    """The second request of the same viewer in the same generation takes the set from memory:
    fewer queries than the first, and the same rows."""
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin_l1)
    url = reverse("campaigns:list")
    with CaptureQueriesContext(connection) as cold:
        first = client.get(url)
    with CaptureQueriesContext(connection) as warm_queries:
        second = client.get(url)
    assert len(warm_queries) < len(cold)
    assert [r.pk for r in second.context["page_obj"].object_list] == [r.pk for r in first.context["page_obj"].object_list]
    assert {r.pk for r in second.context["page_obj"].object_list} == {world.c_dept.pk, world.c_named.pk, world.c_whole.pk}


def test_grant_revoked_by_any_writer(client, world):
    """A raw delete of the grant rows that opened C-dept to viewer_in (its department's group grant)."""
    counted = warm(client, world.viewer_in, world.c_dept)
    CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).delete()
    CampaignUserObjectPermission.objects.filter(content_object=world.c_dept).delete()

    assert_gone(client, world.c_dept, counted)


def test_grant_revoked_hides_pending_products_from_the_reviewer(client, world):
    client.force_login(world.reviewer_in)
    page = client.get(reverse("campaigns:products")).content.decode()
    assert f'data-product="{world.p_pending.product_id}"' in page
    assert kept_count() > 0

    CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).delete()

    response = client.get(reverse("campaigns:products"))
    assert f'data-product="{world.p_pending.product_id}"' not in response.content.decode()
    search = client.get(reverse("campaigns:products"), {"q": world.p_pending.product_id})
    assert search.context["page_obj"].paginator.count == 0
    assert client.get(reverse("campaigns:product_detail", args=[world.p_pending.pk])).status_code == 404


def test_user_moved_to_another_department(client, world):
    user = world.viewer_in
    counted = warm(client, user, world.c_dept)
    staff_update(
        actor=world.owner,
        staff=user,
        display_name=user.display_name,
        mobile=user.mobile,
        department=world.departments.kefu,
        position=user.position,
        is_department_admin=False,
    )

    # 客服部's own campaign (C-creator) is theirs now.
    assert_gone(client, world.c_dept, counted, gained=1)


def test_membership_removed_by_any_writer(client, world):
    """A raw m2m ``clear()`` of viewer_in's groups (its department's member group among them)."""
    counted = warm(client, world.viewer_in, world.c_dept)
    world.viewer_in.groups.clear()

    assert_gone(client, world.c_dept, counted)


def test_campaign_scope_changed_from_whole_tenant(client, world):
    counted = warm(client, world.sibling_viewer, world.c_whole)
    campaign_services.campaign_update(
        actor=world.owner, campaign=world.c_whole, scope_whole_tenant=False, scope_departments=[world.departments.kefu]
    )

    assert_gone(client, world.c_whole, counted)


def test_department_admin_flag_removed(client, world):
    """admin_l2 sees C-named only as an admin above bare_in (a named staff member)."""
    counted = warm(client, world.admin_l2, world.c_named)
    department_set_admins(actor=world.owner, department=world.departments.fushi, admins=[])

    assert_gone(client, world.c_named, counted)


def test_account_disabled(client, world):
    warm(client, world.viewer_in, world.c_dept)
    staff_disable(actor=world.owner, staff=world.viewer_in)

    listing = client.get(reverse("campaigns:list"))
    assert listing.status_code in (302, 403)
    assert world.c_dept.title not in listing.content.decode()
    assert client.get(reverse("campaigns:detail", args=[world.c_dept.pk])).status_code in (302, 403, 404)


@pytest.mark.parametrize(
    "write",
    ["membership", "user_permission", "group_permission", "position_permission", "guardian_grant", "campaign_row"],
)
def test_every_table_the_visibility_reads_moves_the_generation(world, write):
    """Memberships and permissions carry no tenant: they move it through the user rows they
    retire (``accounts`` migration 0019, ``orgchart`` 0006), which the data generation tracks."""
    from accounts import permissions as catalogue

    tenant_id = world.tenant.pk
    before = data_generation(tenant_id)
    user = world.viewer_in
    right = catalogue.catalogue_permissions().get(codename=catalogue.REVIEW_ENROLLMENTS)
    group = user.groups.first()
    if write == "membership":
        user.groups.remove(group)
    elif write == "user_permission":
        user.user_permissions.add(right)
    elif write == "group_permission":
        group.permissions.add(right)
    elif write == "position_permission":
        user.position.permissions.add(right)
    elif write == "guardian_grant":
        CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).delete()
    elif write == "campaign_row":
        type(world.c_whole).objects.filter(pk=world.c_whole.pk).update(scope_whole_tenant=False)
    assert data_generation(tenant_id) != before


def test_nothing_is_kept_inside_a_transaction(world):
    """What a transaction reads may be its own uncommitted write: a rollback would leave it
    kept under a generation that a later commit can reuse (SQLite's counter)."""
    user = world.viewer_in
    user.cache_key = "test-key"
    with transaction.atomic():
        CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).delete()
        assert world.c_dept.pk not in set(campaigns_visible_to(user).values_list("pk", flat=True))
        assert kept_count() == 0
        transaction.set_rollback(True)
    assert world.c_dept.pk in set(campaigns_visible_to(user).values_list("pk", flat=True))
    assert kept_count() == 1


def test_a_user_without_cache_key_is_computed_afresh(world):
    assert world.admin_l1.__dict__.get("cache_key") is None
    assert set(campaigns_visible_to(world.admin_l1).values_list("pk", flat=True)) == {
        world.c_dept.pk,
        world.c_named.pk,
        world.c_whole.pk,
    }
    assert set(products_visible_to(world.reviewer_in).values_list("pk", flat=True))
    assert kept_count() == 0


def test_the_dashboard_reads_the_generation_once(client, world):
    """A cold dashboard keys its panels by the generation it reads; the pending-review panel's
    visible set is kept under that same read, not a second one."""
    from django.test.utils import CaptureQueriesContext

    from accounts.data_generation import LOG, TABLE

    client.force_login(world.reviewer_in)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert sum(LOG in q["sql"] or TABLE in q["sql"] for q in queries.captured_queries) == 1
    assert kept_count() == 1
    assert world.p_pending.title in response.content.decode()


@pytest.mark.parametrize("padding", [0, 500])
def test_short_and_long_lists_match_the_same_rows(world, padding):
    """A list longer than ``PLAIN_COLUMN_UP_TO`` is written ``(column + 0)`` on PostgreSQL; both
    forms select exactly the listed campaigns and their products."""
    from django.db.models import F

    from campaigns.models import Campaign, EnrolledProduct
    from campaigns.visibility.visible_set import PLAIN_COLUMN_UP_TO, InVisibleSet, VisibleSet

    listed = sorted([world.c_dept.pk, world.c_whole.pk])
    absent = range(10_000_000, 10_000_000 + padding)  # ids no campaign has
    kept = VisibleSet(text=",".join(map(str, [*listed, *absent])))
    assert (kept.size > PLAIN_COLUMN_UP_TO) is bool(padding)
    assert world.c_dept.pk in kept and world.c_named.pk not in kept

    assert sorted(Campaign.objects.filter(InVisibleSet(F("pk"), kept)).values_list("pk", flat=True)) == listed
    products = EnrolledProduct.objects.filter(InVisibleSet(F("campaign_id"), kept))
    assert set(products.values_list("pk", flat=True)) == set(
        EnrolledProduct.objects.filter(campaign_id__in=listed).values_list("pk", flat=True)
    )

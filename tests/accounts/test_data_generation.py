"""The tenant's data generation (``accounts.data_generation``) moves with every write to what the
kept dashboard panels and the visibility behind them read, whoever writes (issue 27).

Memberships and permissions carry no tenant: they move it through the user rows whose
``cache_generation`` they move (``accounts`` migrations 0019 and 0022, ``orgchart`` 0006 and
0008), which the data generation tracks. An UPDATE moves the tenant a row leaves as well as the
one it enters.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts import permissions as catalogue
from accounts.data_generation import data_generation
from accounts.models import User
from campaigns.models import Campaign, CampaignGroupObjectPermission


def _user_generation(user):
    return User.objects.values_list("cache_generation", flat=True).get(pk=user.pk)


@pytest.mark.parametrize(
    "write",
    [
        "membership",
        "user_permission",
        "group_permission",
        "position_permission",
        "guardian_grant",
        "campaign_row",
        "membership_row_updated",
        "user_permission_row_updated",
        "group_permission_row_updated",
        "position_permission_row_updated",
    ],
)
def test_every_table_the_visibility_reads_moves_the_generation(world, write):
    tenant_id = world.tenant.pk
    user = world.viewer_in
    right = catalogue.catalogue_permissions().get(codename=catalogue.REVIEW_ENROLLMENTS)
    group = user.groups.first()
    if write.endswith("_row_updated"):
        # An UPDATE of a link row in place (``queryset.update()``, raw SQL): neither INSERT nor DELETE.
        other = Permission.objects.get(content_type__app_label="auth", codename="view_group")  # held by no one
        if write == "membership_row_updated":
            links = User.groups.through.objects.filter(user=user, group=group)
            changes = {"group": Group.objects.create(name="no grants at all")}
        elif write == "user_permission_row_updated":
            user.user_permissions.add(right)
            links = User.user_permissions.through.objects.filter(user=user, permission=right)
            changes = {"permission": other}
        elif write == "group_permission_row_updated":
            group.permissions.add(right)
            links = group.permissions.through.objects.filter(group=group, permission=right)
            changes = {"permission": other}
        else:
            user.position.permissions.add(right)
            links = user.position.permissions.through.objects.filter(position=user.position, permission=right)
            changes = {"permission": other}
        user_generation, before = _user_generation(user), data_generation(tenant_id)
        assert links.update(**changes) == 1
        assert _user_generation(user) != user_generation  # its cached copy and rights are retired
        assert data_generation(tenant_id) != before
        return
    before = data_generation(tenant_id)
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
    else:
        Campaign.objects.filter(pk=world.c_whole.pk).update(scope_whole_tenant=False)
    assert data_generation(tenant_id) != before


@pytest.mark.parametrize("target", ["c_other", "c_official"])
def test_a_grant_row_pointed_outside_the_tenant_moves_the_tenant_it_leaves(world, target):
    """C-dept's group grant pointed at another tenant's (or an official) campaign leaves acme: acme's
    panels and visibility must not be kept past it, not only the other tenant's."""
    before = data_generation(world.tenant.pk)
    moved = CampaignGroupObjectPermission.objects.filter(content_object=world.c_dept).update(
        content_object=getattr(world, target)
    )
    assert moved
    assert data_generation(world.tenant.pk) != before


def test_a_campaign_row_moved_out_of_the_tenant_moves_both_generations(world):
    left, entered = data_generation(world.tenant.pk), data_generation(world.c_other.tenant_id)
    Campaign.objects.filter(pk=world.c_dept.pk).update(tenant_id=world.c_other.tenant_id)
    assert data_generation(world.tenant.pk) != left
    assert data_generation(world.c_other.tenant_id) != entered

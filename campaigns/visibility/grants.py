"""Writes: the only code that grants or revokes object permissions (STYLE 6)."""

from ..models import (
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
)
from .rights import IN_SCOPE, VIEW_CAMPAIGN, VIEW_CONTACT_PRODUCTS, permission_id


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


def contact_grants_sync(tenant, **kwargs):
    """Make every staff account of ``tenant`` carry exactly its two contact-person grants: to
    itself and to its overseer group. Connected to ``orgchart.scope.scope_groups_synced``."""
    from accounts.models import User

    perm = permission_id(VIEW_CONTACT_PRODUCTS)
    staff = list(User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).values_list("pk", "overseer_group_id"))
    staff_ids = [pk for pk, _group in staff]
    person_grants = ContactPersonUserObjectPermission.objects.filter(content_object_id__in=staff_ids)
    group_grants = ContactPersonGroupObjectPermission.objects.filter(content_object_id__in=staff_ids)
    wanted_people = {(pk, pk) for pk in staff_ids}
    wanted_groups = {(pk, group) for pk, group in staff if group is not None}
    have_people = set(person_grants.values_list("content_object_id", "user_id"))
    have_groups = set(group_grants.values_list("content_object_id", "group_id"))
    stale_people = have_people - wanted_people
    stale_groups = have_groups - wanted_groups
    for pk, user_id in stale_people:
        person_grants.filter(content_object_id=pk, user_id=user_id).delete()
    for pk, group_id in stale_groups:
        group_grants.filter(content_object_id=pk, group_id=group_id).delete()
    ContactPersonUserObjectPermission.objects.bulk_create(
        [
            ContactPersonUserObjectPermission(content_object_id=pk, user_id=user_id, permission_id=perm)
            for pk, user_id in wanted_people - have_people
        ]
    )
    ContactPersonGroupObjectPermission.objects.bulk_create(
        [
            ContactPersonGroupObjectPermission(content_object_id=pk, group_id=group_id, permission_id=perm)
            for pk, group_id in wanted_groups - have_groups
        ]
    )

"""Campaigns and products in the staff hand-over (R-16); run inside ``staff_hand_over``'s transaction."""


from . import rollups
from .models import Campaign, EnrolledProduct
from .visibility import campaigns_move_creator_grants


def count_created_campaigns(staff):
    return Campaign.objects.filter(creator=staff).count()


def move_created_campaigns(from_staff, to_staff):
    ids = list(Campaign.objects.filter(creator=from_staff).values_list("pk", flat=True))
    Campaign.objects.filter(pk__in=ids).update(creator=to_staff)
    campaigns_move_creator_grants(campaign_ids=ids, from_staff=from_staff, to_staff=to_staff)
    return len(ids)


def count_contact_campaigns(staff):
    return Campaign.objects.filter(contact_person=staff).count()


def move_contact_campaigns(from_staff, to_staff):
    return Campaign.objects.filter(contact_person=from_staff).update(contact_person=to_staff)


def count_contact_products(staff):
    return EnrolledProduct.objects.filter(contact_person=staff).count()


def move_contact_products(from_staff, to_staff):
    # Who sees a product follows its contact person's grants (campaigns.visibility): no grant moves.
    moved = EnrolledProduct.objects.filter(contact_person=from_staff).update(contact_person=to_staff)
    rollups.refresh_contacts(from_staff.tenant_id, [from_staff.pk, to_staff.pk])
    return moved

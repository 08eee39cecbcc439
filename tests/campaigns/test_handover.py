"""Contact-person hand-over (R-16): products, campaigns and their visibility move in one audited step."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, User
from accounts.services.staff import staff_hand_over
from campaigns.models import Campaign, EnrolledProduct
from campaigns.visibility import campaigns_visible_to, effects_visible_to, products_visible_to
from orgchart.models import Position

from tests.personas import campaign, make_staff


def fresh(user):
    return User.objects.get(pk=user.pk)


def sees_product(user, product):
    return products_visible_to(fresh(user)).filter(pk=product.pk).exists()


def sees_campaign(user, campaign):
    return campaigns_visible_to(fresh(user)).filter(pk=campaign.pk).exists()


@pytest.fixture
def publisher_two(world):
    """A second publisher in 美妆组, outside c_creator's scope (客服部)."""
    position = Position.objects.get(tenant=world.tenant, name="publisher")
    return make_staff(world.owner, "publisher_two", world.departments.meizhuang, position)


def test_products_and_their_visibility_move_to_the_new_contact_person(world):
    assert sees_product(world.reviewer_in, world.p_approved) and not sees_product(world.viewer_in, world.p_approved)

    moved = staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.viewer_in)

    assert moved["contact_products"] == 1
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).contact_person == world.viewer_in
    assert not sees_product(world.reviewer_in, world.p_approved)
    assert sees_product(world.reviewer_in, world.p_pending)  # still a reviewer of c_dept
    assert sees_product(world.viewer_in, world.p_approved)
    assert sees_product(world.admin_l2, world.p_approved) and sees_product(world.admin_l1, world.p_approved)
    assert products_visible_to(world.owner).filter(pk=world.p_approved.pk).exists()
    # the effect data follows the product
    assert effects_visible_to(fresh(world.viewer_in)).filter(product=world.p_approved).count() == 2
    assert not effects_visible_to(fresh(world.reviewer_in)).filter(product=world.p_approved).exists()


def test_handing_over_to_another_department_moves_the_admins_view_too(world):
    staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.sibling_viewer)

    assert sees_product(world.sibling_viewer, world.p_approved)
    assert not sees_product(world.reviewer_in, world.p_approved)
    assert not sees_product(world.admin_l2, world.p_approved)  # 美妆组 is not below 服饰组
    assert sees_product(world.admin_l1, world.p_approved)


def test_created_campaigns_and_the_creator_grant_move(world, publisher_two):
    assert sees_campaign(world.sibling_publisher, world.c_creator)
    assert not sees_campaign(publisher_two, world.c_creator)

    moved = staff_hand_over(actor=world.owner, from_staff=world.sibling_publisher, to_staff=publisher_two)

    assert moved["created_campaigns"] == 1
    assert Campaign.objects.get(pk=world.c_creator.pk).creator == publisher_two
    assert sees_campaign(publisher_two, world.c_creator)
    assert not sees_campaign(world.sibling_publisher, world.c_creator)
    assert sees_campaign(world.outsider, world.c_creator)  # the scope is untouched


def test_campaigns_as_contact_person_move(world):
    contact = campaign(world.owner, "Contact", scope_whole_tenant=True)
    Campaign.objects.filter(pk=contact.pk).update(contact_person=world.reviewer_in)

    moved = staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.viewer_in)

    assert moved["contact_campaigns"] == 1
    assert Campaign.objects.get(pk=contact.pk).contact_person == world.viewer_in


def test_one_audit_entry_with_the_counts(world):
    staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.viewer_in)

    entry = AuditEntry.objects.get(action="staff.hand_over")
    assert entry.actor == world.owner
    assert entry.target_id == str(world.reviewer_in.pk)
    assert entry.before == {"owner": world.reviewer_in.username}
    assert entry.after["owner"] == world.viewer_in.username
    assert entry.after["contact_products"] == 1
    assert entry.after["created_campaigns"] == 0
    assert entry.after["contact_campaigns"] == 0


@pytest.mark.parametrize(
    "to_name, message",
    [
        ("reviewer_in", "Choose someone other than the person handing over."),
        ("other_staff", "Choose a staff account of your own organisation."),
    ],
)
def test_a_bad_recipient_moves_nothing(world, to_name, message):
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=getattr(world, to_name))

    assert excinfo.value.message_dict["to_staff"] == [message]
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).contact_person == world.reviewer_in
    assert sees_product(world.reviewer_in, world.p_approved)
    assert AuditEntry.objects.count() == audits


def test_only_the_owner_hands_over(world):
    with pytest.raises(PermissionDenied):
        staff_hand_over(actor=world.admin_l1, from_staff=world.reviewer_in, to_staff=world.viewer_in)
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).contact_person == world.reviewer_in


def owns(response):
    """``{label: count}`` from the staff page's "Owns:" line."""
    line = re.search(r"Owns: (.*?)</p>", response.content.decode(), re.S).group(1)
    return {label.strip(): int(count) for label, count in re.findall(r"([^·]+?) (\d+)", line)}


def test_the_staff_page_lists_what_they_own(client, world, publisher_two):
    client.force_login(world.owner)
    reviewer_page = reverse("staff:detail", args=[world.reviewer_in.pk])

    assert owns(client.get(reverse("staff:detail", args=[world.sibling_publisher.pk]))) == {
        "Campaigns created": 1,
        "Campaigns as contact person": 0,
        "Products as contact person": 0,
        "Open customer conversations": 0,
    }
    assert owns(client.get(reviewer_page))["Products as contact person"] == 1

    response = client.post(
        reverse("staff:hand_over", args=[world.reviewer_in.pk]), {"to_staff": world.viewer_in.pk}
    )

    assert response.status_code == 302
    assert owns(client.get(reviewer_page))["Products as contact person"] == 0
    assert owns(client.get(reverse("staff:detail", args=[world.viewer_in.pk])))["Products as contact person"] == 1

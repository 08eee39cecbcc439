"""Contact-person grants (R-28): who sees an approved product is a django-guardian object
permission on its contact person, held by that person and by the admins above them.

Two rows per staff account, however many products it holds: reviews and hand-overs move
products between contact persons and write no grant.
"""

import pytest
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from accounts.services.staff import staff_hand_over, staff_offboard
from campaigns import services
from campaigns.models import ContactPersonGroupObjectPermission, ContactPersonUserObjectPermission, EnrolledProduct
from campaigns.visibility import products_visible_to

from tests.personas import enroll
from .test_campaign_services import fresh, grant_rows, move_staff

PERM = "accounts.view_contact_products"
STAFF = [
    "admin_l1",
    "admin_l2",
    "viewer_in",
    "publisher_in",
    "reviewer_in",
    "bare_in",
    "sibling_viewer",
    "sibling_publisher",
    "outsider",
]


def test_every_staff_account_carries_exactly_its_two_grants(world):
    for name in STAFF:
        person = fresh(getattr(world, name))
        assert list(ContactPersonUserObjectPermission.objects.filter(content_object=person).values_list("user_id", flat=True)) == [person.pk]
        assert list(
            ContactPersonGroupObjectPermission.objects.filter(content_object=person).values_list("group_id", flat=True)
        ) == [person.overseer_group_id]


# Who may see reviewer_in's products: itself, the admins of 服饰组 and 招商部 above it; nobody else.
SEES_REVIEWERS_PRODUCTS = {"reviewer_in", "admin_l2", "admin_l1"}


@pytest.mark.parametrize("name", [*STAFF, "other_staff"])
def test_guardian_answers_the_object_check_on_the_contact_person(world, name):
    viewer = fresh(getattr(world, name))
    contact = fresh(world.reviewer_in)

    assert viewer.has_perm(PERM, contact) is (name in SEES_REVIEWERS_PRODUCTS)
    assert ObjectPermissionChecker(viewer).has_perm("view_contact_products", contact) is (name in SEES_REVIEWERS_PRODUCTS)


@pytest.mark.parametrize("name", [*STAFF, "other_staff"])
def test_the_product_list_agrees_with_guardian(world, name):
    """The list filters on ``contact_person_id IN (…)``; guardian's own shortcut over the same
    grants must name exactly those contact persons."""
    viewer = fresh(getattr(world, name))
    contacts = get_objects_for_user(viewer, PERM, User.objects.filter(tenant=viewer.tenant), accept_global_perms=False)
    by_guardian = set(
        EnrolledProduct.objects.filter(
            tenant=viewer.tenant, status=EnrolledProduct.Status.APPROVED, contact_person__in=contacts
        ).values_list("pk", flat=True)
    )
    listed = set(products_visible_to(viewer).filter(status=EnrolledProduct.Status.APPROVED).values_list("pk", flat=True))

    assert listed == by_guardian
    assert (world.p_approved.pk in listed) is (name in SEES_REVIEWERS_PRODUCTS)


def test_reviews_and_hand_overs_write_no_grant(world):
    before = grant_rows()
    product = enroll(world.c_dept, "2000001", "P-new")
    services.enrollment_approve(actor=world.reviewer_in, product=product)
    services.enrollment_reject(actor=world.reviewer_in, product=enroll(world.c_dept, "2000002", "P-no"), reason="not for us")
    staff_hand_over(actor=world.owner, from_staff=world.reviewer_in, to_staff=world.sibling_viewer)

    assert grant_rows() == before
    assert set(products_visible_to(fresh(world.sibling_viewer)).values_list("pk", flat=True)) >= {world.p_approved.pk, product.pk}
    assert not products_visible_to(fresh(world.admin_l2)).filter(pk=product.pk).exists()  # 美妆组 is not below 服饰组


def test_an_admin_flag_moves_the_view_without_touching_grants(world):
    before = grant_rows()
    assert not products_visible_to(fresh(world.viewer_in)).filter(pk=world.p_approved.pk).exists()

    move_staff(world, world.viewer_in, department=world.departments.fushi, admin=True)

    assert grant_rows() == before
    assert products_visible_to(fresh(world.viewer_in)).filter(pk=world.p_approved.pk).exists()
    assert fresh(world.viewer_in).has_perm(PERM, fresh(world.reviewer_in))


def test_a_new_staff_account_gets_its_grants_and_an_offboarded_one_keeps_them(world):
    from tests.personas import make_staff

    newcomer = make_staff(world.owner, "newcomer", world.departments.yizu, world.reviewer_in.position)
    assert ContactPersonUserObjectPermission.objects.filter(content_object=newcomer, user=newcomer).exists()
    assert ContactPersonGroupObjectPermission.objects.filter(
        content_object=newcomer, group_id=fresh(newcomer).overseer_group_id
    ).exists()

    staff_offboard(actor=world.owner, staff=fresh(world.reviewer_in))

    # the admins above still see the products of the person who left, until they are handed over
    assert products_visible_to(fresh(world.admin_l2)).filter(pk=world.p_approved.pk).exists()
    assert ContactPersonUserObjectPermission.objects.filter(content_object=world.reviewer_in).exists()

"""Reviewing enrolled products (R-27, R-28): who may, who becomes contact person, who sees it
afterwards, and the first reviewer winning when two act at once."""

import html
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry, User
from campaigns import services
from campaigns.models import EnrolledProduct
from campaigns.visibility import products_visible_to
from accounts import permissions as catalogue
from orgchart.models import Position
from orgchart.services import department_create, position_create
from tests.factories import OwnerFactory, TenantFactory

from tests.personas import campaign, enroll, make_staff


def review_url(product, decision):
    return reverse("campaigns:product_review", args=[product.pk, decision])


def messages_of(response):
    pattern = r'<li class="message [^"]*" role="status">(.*?)</li>'
    return [html.unescape(m) for m in re.findall(pattern, response.content.decode())]


def sees(user, product):
    return products_visible_to(User.objects.get(pk=user.pk)).filter(pk=product.pk).exists()


@pytest.fixture
def second_reviewer(world):
    """Another reviewer inside c_dept's scope (一组), besides reviewer_in."""
    position = Position.objects.get(tenant=world.tenant, name="reviewer")
    return make_staff(world.owner, "reviewer_two", world.departments.yizu, position)


def test_approving_makes_the_approver_the_contact_person(client, world):
    client.force_login(world.reviewer_in)

    response = client.post(review_url(world.p_pending, "approve"), follow=True)

    assert response.status_code == 200
    assert "Approved. You are now the contact person of this product." in messages_of(response)
    product = EnrolledProduct.objects.get(pk=world.p_pending.pk)
    assert product.status == EnrolledProduct.Status.APPROVED
    assert product.contact_person == world.reviewer_in
    assert product.reviewed_by == world.reviewer_in and product.reviewed_at is not None
    entry = AuditEntry.objects.get(action="product.approved", target_id=str(product.pk))
    assert entry.actor == world.reviewer_in
    assert entry.before == {"status": "pending"}
    assert entry.after["contact_person"] == world.reviewer_in.username


def test_the_owner_approving_becomes_contact_person(world):
    product = services.enrollment_approve(actor=world.owner, product=world.p_pending)

    assert product.contact_person == world.owner
    assert EnrolledProduct.objects.get(pk=world.p_pending.pk).contact_person == world.owner


def test_rejecting_keeps_no_contact_person_and_records_the_reason(client, world):
    client.force_login(world.reviewer_in)

    client.post(review_url(world.p_pending, "reject"), {"reason": "price too high"})

    product = EnrolledProduct.objects.get(pk=world.p_pending.pk)
    assert product.status == EnrolledProduct.Status.REJECTED
    assert product.contact_person is None
    assert product.reject_reason == "price too high"
    assert product.reviewed_by == world.reviewer_in
    assert AuditEntry.objects.get(action="product.rejected", target_id=str(product.pk)).after["reason"] == "price too high"


def test_a_product_cannot_be_rejected_without_a_reason(client, world):
    with pytest.raises(ValidationError) as raised:
        services.enrollment_reject(actor=world.reviewer_in, product=world.p_pending, reason="  ")
    assert "reason" in raised.value.error_dict

    client.force_login(world.reviewer_in)
    response = client.post(review_url(world.p_pending, "reject"), {"reason": ""})

    # Asked again next to the field; the product stays pending, nothing is written.
    assert response.status_code == 400
    assert 'data-field="reason"' in response.content.decode()
    assert "the merchant sees the reason" in response.content.decode()
    assert EnrolledProduct.objects.get(pk=world.p_pending.pk).status == EnrolledProduct.Status.PENDING
    assert not AuditEntry.objects.filter(action="product.rejected", target_id=str(world.p_pending.pk)).exists()
    # The list's reject goes to the product's page, where the reason is asked.
    listing = client.get(reverse("campaigns:products")).content.decode()
    assert f'href="{world.p_pending.get_absolute_url()}#reject"' in listing


def test_the_review_redirects_back_only_to_a_local_page(client, world):
    client.force_login(world.reviewer_in)

    local = client.post(review_url(world.p_pending, "reject"), {"next": "/campaigns/products/", "reason": "price"})
    product = enroll(world.c_dept, "2000001", "P-next")
    offsite = client.post(review_url(product, "reject"), {"next": "//evil.example/", "reason": "price"})

    assert local.url == "/campaigns/products/"
    assert offsite.url == reverse("campaigns:product_detail", args=[product.pk])


# Who may review --------------------------------------------------------------------------------


def test_a_viewer_without_the_review_right_may_not(client, world):
    with pytest.raises(PermissionDenied):
        services.enrollment_approve(actor=world.viewer_in, product=world.p_pending)
    with pytest.raises(PermissionDenied):
        services.enrollment_reject(actor=world.viewer_in, product=world.p_pending, reason="price")

    client.force_login(world.viewer_in)
    # a pending product is not even visible to a non-reviewer: 404, not 403
    assert client.post(review_url(world.p_pending, "approve")).status_code == 404
    assert EnrolledProduct.objects.get(pk=world.p_pending.pk).status == EnrolledProduct.Status.PENDING


def test_an_admin_who_sees_a_product_but_may_not_review_gets_403(client, world):
    client.force_login(world.admin_l1)  # sees p_approved as admin above its contact person

    response = client.post(review_url(world.p_approved, "reject"))

    assert response.status_code == 403
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).status == EnrolledProduct.Status.APPROVED


def test_a_reviewer_outside_the_campaign_scope_may_not(client, world):
    with pytest.raises(PermissionDenied):
        services.enrollment_approve(actor=world.outsider, product=world.p_pending)

    client.force_login(world.outsider)
    assert client.post(review_url(world.p_pending, "approve")).status_code == 404
    assert client.get(reverse("campaigns:product_detail", args=[world.p_pending.pk])).status_code == 404
    assert EnrolledProduct.objects.get(pk=world.p_pending.pk).status == EnrolledProduct.Status.PENDING


def test_a_reviewer_of_another_tenant_may_not(client, world):
    with pytest.raises(PermissionDenied):
        services.enrollment_approve(actor=world.other_staff, product=world.p_pending)

    client.force_login(world.other_staff)
    assert client.post(review_url(world.p_pending, "approve")).status_code == 404


def test_an_unknown_decision_is_refused(client, world):
    client.force_login(world.reviewer_in)

    assert client.post(review_url(world.p_pending, "delete")).status_code == 403
    assert client.get(review_url(world.p_pending, "approve")).status_code == 405
    assert EnrolledProduct.objects.get(pk=world.p_pending.pk).status == EnrolledProduct.Status.PENDING


# Second decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_second_decision_is_told_who_decided_and_changes_nothing(client, world, second_reviewer, decision):
    services.enrollment_approve(actor=world.reviewer_in, product=world.p_pending)
    before = EnrolledProduct.objects.values().get(pk=world.p_pending.pk)
    client.force_login(world.owner)  # the owner sees and may review everything

    response = client.post(review_url(world.p_pending, decision), follow=True)

    assert "This product was already approved by reviewer_in." in messages_of(response)
    assert EnrolledProduct.objects.values().get(pk=world.p_pending.pk) == before
    assert AuditEntry.objects.filter(target_id=str(world.p_pending.pk), action__startswith="product.").exclude(
        action="product.enroll"
    ).count() == 1


def test_a_second_decision_on_a_rejected_product_names_the_rejecter(world):
    with pytest.raises(ValidationError) as excinfo:
        services.enrollment_approve(actor=world.owner, product=world.p_rejected)

    assert excinfo.value.code == "already_reviewed"
    assert excinfo.value.messages == ["This product was already rejected by reviewer_in."]
    product = EnrolledProduct.objects.get(pk=world.p_rejected.pk)
    assert product.status == EnrolledProduct.Status.REJECTED and product.contact_person is None


def test_automatic_approval_is_named_in_the_second_decision(world):
    automatic = services.campaign_update(
        actor=world.owner, campaign=world.c_whole, review_mode="automatic", contact_person=world.viewer_in
    )
    product = enroll(automatic, "2000002", "P-auto")

    with pytest.raises(ValidationError, match="already approved by automatic approval"):
        services.enrollment_approve(actor=world.owner, product=product)


# Who sees an approved product ------------------------------------------------------------------


def test_after_approval_only_the_contact_person_admins_and_owner_see_it(world, second_reviewer):
    assert sees(second_reviewer, world.p_pending)  # pending: every reviewer who sees the campaign

    services.enrollment_approve(actor=world.reviewer_in, product=world.p_pending)

    assert sees(world.reviewer_in, world.p_pending)
    assert not sees(second_reviewer, world.p_pending)
    assert not sees(world.viewer_in, world.p_pending)
    assert sees(world.admin_l2, world.p_pending)
    assert sees(world.admin_l1, world.p_pending)
    assert sees(world.owner, world.p_pending)
    assert not sees(world.sibling_viewer, world.p_pending)


def test_the_product_pages_follow_the_approval(client, world, second_reviewer):
    services.enrollment_approve(actor=second_reviewer, product=world.p_pending)
    detail = reverse("campaigns:product_detail", args=[world.p_pending.pk])

    client.force_login(world.reviewer_in)
    assert client.get(detail).status_code == 404
    assert f'data-product="{world.p_pending.product_id}"' not in client.get(reverse("campaigns:products")).content.decode()

    client.force_login(second_reviewer)
    page = client.get(detail)
    assert page.status_code == 200
    assert 'data-testid="contact-person">reviewer_two<' in page.content.decode()


# Two reviewers at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_exactly_one_wins():
    tenant = TenantFactory(slug="race", name="Race")
    owner = OwnerFactory(tenant=tenant, username="race_owner")
    perms = {p.codename: p for p in catalogue.catalogue_permissions()}
    reviewer_position = position_create(
        actor=owner,
        tenant=tenant,
        name="reviewer",
        permissions=[perms[catalogue.VIEW_CAMPAIGNS], perms[catalogue.REVIEW_ENROLLMENTS]],
    )
    team = department_create(actor=owner, tenant=tenant, name="team")
    first = make_staff(owner, "race_one", team, reviewer_position)
    second = make_staff(owner, "race_two", team, reviewer_position)
    contested = enroll(campaign(owner, "Race campaign", scope_departments=[team]), "3000001", "P-race")
    assert contested.status == EnrolledProduct.Status.PENDING

    barrier = threading.Barrier(2, timeout=10)
    outcomes = {}

    def approve(reviewer):
        try:
            actor = User.objects.get(pk=reviewer.pk)
            product = EnrolledProduct.objects.get(pk=contested.pk)
            barrier.wait()
            services.enrollment_approve(actor=actor, product=product)
            outcomes[reviewer.pk] = "won"
        except ValidationError as exc:
            outcomes[reviewer.pk] = exc
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions below
            outcomes[reviewer.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(reviewer,)) for reviewer in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2, outcomes
    winners = [pk for pk, outcome in outcomes.items() if outcome == "won"]
    losers = [outcome for outcome in outcomes.values() if outcome != "won"]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), outcomes
    assert losers[0].code == "already_reviewed"
    winner = User.objects.get(pk=winners[0])
    assert losers[0].messages == [f"This product was already approved by {winner.label}."]
    product = EnrolledProduct.objects.get(pk=contested.pk)
    assert product.status == EnrolledProduct.Status.APPROVED
    assert product.contact_person_id == winner.pk == product.reviewed_by_id
    assert AuditEntry.objects.filter(action="product.approved", target_id=str(contested.pk)).count() == 1
    loser = second if winner.pk == first.pk else first
    assert products_visible_to(winner).filter(pk=contested.pk).exists()
    assert not products_visible_to(User.objects.get(pk=loser.pk)).filter(pk=contested.pk).exists()



# Review buttons on the lists -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, page, reviewable",
    [
        ("reviewer_in", "products", {"p_pending"}),
        ("reviewer_in", "detail", {"p_pending"}),
        ("owner", "products", {"p_pending", "p_creator_pending"}),
        ("owner", "detail", {"p_pending"}),
        ("outsider", "products", {"p_creator_pending"}),
        ("admin_l1", "products", set()),
    ],
)
def test_approve_buttons_show_only_on_products_the_user_may_review(client, world, name, page, reviewable):
    client.force_login(world.owner if name == "owner" else getattr(world, name))
    url = reverse("campaigns:products") if page == "products" else reverse("campaigns:detail", args=[world.c_dept.pk])

    html_page = client.get(url).content.decode()

    for key in ("p_approved", "p_pending", "p_rejected", "p_creator_pending", "p_legacy_owner"):
        action = f'action="{review_url(getattr(world, key), "approve")}"'
        assert (action in html_page) is (key in reviewable), key

"""The merchants' public enrollment page (R-26) and automatic review (R-27)."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from campaigns import services
from campaigns.models import Campaign, EnrolledProduct
from campaigns.visibility import products_visible_to

RATE_MESSAGE = "Too many enrollments from your network in a short time."
DUPLICATE_MESSAGE = "This product is already enrolled in this campaign."


def url(campaign):
    return reverse("campaigns:enroll", args=[campaign.public_token])


def form_data(**overrides):
    data = {
        "shop_name": "Hangzhou Silk Shop",
        "product_id": "6512345678",
        "product_url": "https://item.taobao.com/item.htm?id=6512345678",
        "title": "Silk scarf",
        "price": "199.00",
        "proposed_commission_rate": "25",
        "merchant_contact": "Ms Li 13700001111",
    }
    data.update(overrides)
    return data


def field_errors(response):
    """``{field: [messages]}`` as the page shows them next to the fields."""
    errors = {}
    for field, message in re.findall(r'<p class="error" data-field="([^"]+)">(.*?)</p>', response.content.decode()):
        errors.setdefault(field, []).append(html.unescape(message))
    return errors


def test_the_page_needs_no_login_and_carries_a_csrf_token(client, world):
    response = client.get(url(world.c_dept))

    assert response.status_code == 200
    page = response.content.decode()
    assert world.c_dept.title in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_valid_enrollment_creates_a_pending_product_and_an_audit_entry(client, world):
    response = client.post(url(world.c_dept), form_data(), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    assert "Your product is enrolled and awaits review." in response.content.decode()
    product = EnrolledProduct.objects.get(campaign=world.c_dept, product_id="6512345678")
    assert product.status == EnrolledProduct.Status.PENDING
    assert product.tenant == world.tenant
    assert product.contact_person is None and product.reviewed_by is None
    assert product.submitter_ip == "203.0.113.7"
    assert product.title == "Silk scarf" and str(product.price) == "199.00"
    entry = AuditEntry.objects.get(action="product.enroll", target_id=str(product.pk))
    assert entry.tenant == world.tenant and entry.actor is None
    assert entry.after["product_id"] == "6512345678"
    # a reviewer who can see the campaign now has it to review; the contact-less viewer does not
    assert products_visible_to(world.reviewer_in).filter(pk=product.pk).exists()
    assert not products_visible_to(world.viewer_in).filter(pk=product.pk).exists()


def test_a_product_enrolls_once_per_campaign(client, world):
    before = EnrolledProduct.objects.filter(campaign=world.c_dept, product_id=world.p_pending.product_id).count()
    audits = AuditEntry.objects.filter(action="product.enroll").count()

    response = client.post(url(world.c_dept), form_data(product_id=world.p_pending.product_id))

    assert response.status_code == 200
    assert field_errors(response) == {"product_id": [DUPLICATE_MESSAGE]}
    assert before == 1
    assert EnrolledProduct.objects.filter(campaign=world.c_dept, product_id=world.p_pending.product_id).count() == 1
    assert AuditEntry.objects.filter(action="product.enroll").count() == audits


def test_the_service_refuses_a_duplicate_too(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        services.enrollment_submit(campaign=world.c_dept, **{**form_data(), "product_id": world.p_pending.product_id})

    assert excinfo.value.message_dict == {"product_id": [DUPLICATE_MESSAGE]}


def test_the_same_product_may_enroll_in_another_campaign(client, world):
    response = client.post(url(world.c_whole), form_data(product_id=world.p_pending.product_id))

    assert field_errors(response) == {}
    assert set(
        EnrolledProduct.objects.filter(product_id=world.p_pending.product_id).values_list("campaign_id", flat=True)
    ) == {world.c_dept.pk, world.c_whole.pk}


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"product_id": "abc123"}, "product_id", "Enter the numeric product ID"),
        ({"product_id": "123"}, "product_id", "Enter the numeric product ID"),
        ({"price": "-5"}, "price", "greater than or equal to 0.01"),
        ({"price": "0"}, "price", "greater than or equal to 0.01"),
        ({"proposed_commission_rate": "95"}, "proposed_commission_rate", "less than or equal to 90"),
        ({"proposed_commission_rate": "-1"}, "proposed_commission_rate", "greater than or equal to 0"),
        ({"product_url": "javascript:alert(1)"}, "product_url", "Enter a valid URL"),
        ({"shop_name": ""}, "shop_name", "This field is required."),
        ({"merchant_contact": ""}, "merchant_contact", "This field is required."),
    ],
)
def test_bad_input_shows_field_errors_and_stores_nothing(client, world, overrides, field, message):
    products, audits = EnrolledProduct.objects.count(), AuditEntry.objects.count()

    response = client.post(url(world.c_dept), form_data(**overrides))

    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert EnrolledProduct.objects.count() == products
    assert AuditEntry.objects.count() == audits


def test_several_bad_fields_are_all_reported(client, world):
    response = client.post(
        url(world.c_dept), form_data(product_id="12ab", price="-1", proposed_commission_rate="91")
    )

    assert set(field_errors(response)) == {"product_id", "price", "proposed_commission_rate"}
    assert not EnrolledProduct.objects.filter(title="Silk scarf").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"is_published": False},
        {
            "starts_on": timezone.localdate() - datetime.timedelta(days=30),
            "ends_on": timezone.localdate() - datetime.timedelta(days=1),
        },
        {
            "starts_on": timezone.localdate() + datetime.timedelta(days=1),
            "ends_on": timezone.localdate() + datetime.timedelta(days=9),
        },
    ],
    ids=["closed", "ended", "not-started"],
)
def test_a_campaign_not_open_answers_410_and_refuses(client, world, change):
    Campaign.objects.filter(pk=world.c_dept.pk).update(**change)
    products = EnrolledProduct.objects.count()

    page = client.get(url(world.c_dept))
    posted = client.post(url(world.c_dept), form_data())

    assert page.status_code == 410
    assert posted.status_code == 410
    assert "This campaign is not open for enrollment." in posted.content.decode()
    assert EnrolledProduct.objects.count() == products


def test_the_service_refuses_a_closed_campaign_too(world):
    from django.core.exceptions import ValidationError

    Campaign.objects.filter(pk=world.c_dept.pk).update(is_published=False)
    world.c_dept.refresh_from_db()

    with pytest.raises(ValidationError, match="not open for enrollment"):
        services.enrollment_submit(campaign=world.c_dept, **form_data())


def test_unknown_tokens_and_official_campaigns_have_no_page(client, world):
    assert client.get(reverse("campaigns:enroll", args=["no-such-token"])).status_code == 404
    assert client.get(url(world.c_official)).status_code == 404


def test_enrollments_are_rate_limited_per_address(client, world, settings):
    settings.ENROLLMENT_RATE_LIMIT = 2
    settings.ENROLLMENT_RATE_WINDOW_SECONDS = 600

    for product_id in ("5000001", "5000002"):
        ok = client.post(url(world.c_dept), form_data(product_id=product_id), REMOTE_ADDR="198.51.100.1")
        assert "awaits review" in ok.content.decode()
    refused = client.post(url(world.c_whole), form_data(product_id="5000003"), REMOTE_ADDR="198.51.100.1")
    other_address = client.post(url(world.c_dept), form_data(product_id="5000004"), REMOTE_ADDR="198.51.100.2")

    assert RATE_MESSAGE in html.unescape(refused.content.decode())
    assert not EnrolledProduct.objects.filter(product_id="5000003").exists()
    assert EnrolledProduct.objects.filter(product_id="5000004").exists()
    assert "awaits review" in other_address.content.decode()


def test_the_rate_window_ends(client, world, settings):
    settings.ENROLLMENT_RATE_LIMIT = 1
    client.post(url(world.c_dept), form_data(product_id="5000001"), REMOTE_ADDR="198.51.100.1")
    EnrolledProduct.objects.filter(product_id="5000001").update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.ENROLLMENT_RATE_WINDOW_SECONDS + 1)
    )

    client.post(url(world.c_dept), form_data(product_id="5000002"), REMOTE_ADDR="198.51.100.1")

    assert EnrolledProduct.objects.filter(product_id="5000002").exists()


def test_automatic_review_approves_at_once_for_the_campaign_contact_person(client, world):
    automatic = services.campaign_create(
        actor=world.owner,
        tenant=world.tenant,
        title="Automatic",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=5),
        commission_rate="20",
        service_fee_rate="5",
        review_mode=Campaign.ReviewMode.AUTOMATIC,
        contact_person=world.viewer_in,
        scope_departments=[world.departments.fushi],
    )

    response = client.post(url(automatic), form_data())

    assert "Your product is enrolled and approved." in response.content.decode()
    product = EnrolledProduct.objects.get(campaign=automatic)
    assert product.status == EnrolledProduct.Status.APPROVED
    assert product.contact_person == world.viewer_in
    assert product.reviewed_by is None and product.reviewed_at is not None
    assert AuditEntry.objects.filter(action="product.approved", target_id=str(product.pk), actor=None).count() == 1
    # visibility follows the contact person: them, their admins and the owner, no one else
    assert products_visible_to(world.viewer_in).filter(pk=product.pk).exists()
    assert products_visible_to(world.admin_l2).filter(pk=product.pk).exists()
    assert products_visible_to(world.owner).filter(pk=product.pk).exists()
    assert not products_visible_to(world.reviewer_in).filter(pk=product.pk).exists()


def test_a_post_without_the_csrf_token_is_refused(world):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(url(world.c_dept), form_data(product_id="7000001"))
    browser.get(url(world.c_dept))
    accepted = browser.post(
        url(world.c_dept),
        {**form_data(product_id="7000002"), "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert not EnrolledProduct.objects.filter(product_id="7000001").exists()
    assert accepted.status_code == 200
    assert EnrolledProduct.objects.filter(product_id="7000002").exists()


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(client, world, settings):
    settings.ENROLLMENT_RATE_LIMIT = 1
    client.post(url(world.c_dept), form_data(product_id="5000001"), REMOTE_ADDR="198.51.100.1")

    client.post(
        url(world.c_dept),
        form_data(product_id="5000002"),
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert not EnrolledProduct.objects.filter(product_id="5000002").exists()


def test_behind_one_trusted_proxy_the_proxys_entry_is_the_client(client, world, settings):
    settings.ENROLLMENT_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_HOPS = 1
    client.post(url(world.c_dept), form_data(product_id="5000011"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")

    client.post(
        url(world.c_dept),
        form_data(product_id="5000012"),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5",
    )
    client.post(url(world.c_dept), form_data(product_id="5000013"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert not EnrolledProduct.objects.filter(product_id="5000012").exists()
    assert EnrolledProduct.objects.filter(product_id="5000013", submitter_ip="203.0.113.6").exists()

"""Attention levels and commission alerts (R-29): who is alerted of which event, and who may
set a product's attention level."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Delivery, Notification
from campaigns import services
from campaigns.models import Campaign, EnrolledProduct
from accounts import permissions as catalogue
from orgchart.services import position_create

from tests.personas import enroll, make_staff

HIGH, NORMAL, OFF = (EnrolledProduct.Attention.HIGH, EnrolledProduct.Attention.NORMAL, EnrolledProduct.Attention.OFF)


def alerts(recipient=None):
    found = Notification.objects.filter(kind=Notification.Kind.COMMISSION_ALERT)
    return found.filter(recipient=recipient) if recipient is not None else found


def alerted_titles(recipient=None):
    """The product titles named in commission alerts (subject ``<event>: <product title>``)."""
    return sorted(subject.split(": ", 1)[1] for subject in alerts(recipient).values_list("subject", flat=True))


@pytest.fixture
def alert_world(world):
    """Approved c_dept products of every attention level, for a contact person with
    ``commission_alerts`` (reviewer_in) and one without (quiet_reviewer)."""
    perms = {p.codename: p for p in catalogue.catalogue_permissions()}
    quiet_position = position_create(
        actor=world.owner,
        tenant=world.tenant,
        name="quiet reviewer",
        permissions=[perms[catalogue.VIEW_CAMPAIGNS], perms[catalogue.REVIEW_ENROLLMENTS]],
    )
    quiet = make_staff(world.owner, "quiet_reviewer", world.departments.yizu, quiet_position)
    products = {}
    for key, reviewer, attention in (
        ("high", world.reviewer_in, HIGH),
        ("normal", world.reviewer_in, NORMAL),
        ("off", world.reviewer_in, OFF),
        ("quiet_high", quiet, HIGH),
    ):
        product = enroll(world.c_dept, f"40000{len(products) + 1:02d}", f"P-{key}")
        product = services.enrollment_approve(actor=reviewer, product=product)
        products[key] = services.product_set_attention(actor=reviewer, product=product, attention=attention)
    Notification.objects.filter(kind=Notification.Kind.COMMISSION_ALERT).delete()
    return SimpleNamespace(world=world, quiet=quiet, **products)


# Commission cut (a risk event) ----------------------------------------------------------------


def test_a_commission_cut_alerts_contact_persons_at_high_and_normal_attention(
    alert_world, django_capture_on_commit_callbacks
):
    world = alert_world.world

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_update(actor=world.owner, campaign=world.c_dept, commission_rate=Decimal("15"))

    # p_approved (the world's) is at the default attention, normal
    assert alerted_titles(world.reviewer_in) == ["P-approved", "P-high", "P-normal"]
    assert alerted_titles(alert_world.quiet) == []  # no commission_alerts right
    assert alerted_titles() == ["P-approved", "P-high", "P-normal"]
    alert = alerts(world.reviewer_in).get(subject="Commission cut: P-high")
    assert "Commission rate cut from 20.00% to 15.00%." in alert.body
    assert alert.link == reverse("campaigns:product_detail", args=[alert_world.high.pk])
    assert alert.mobile == world.reviewer_in.mobile
    # the inbox has it at once; the other channels are delivered after the commit
    assert set(alert.deliveries.values_list("backend", "status")) == {
        (Delivery.Backend.INBOX, Delivery.Status.SENT),
        (Delivery.Backend.CONSOLE, Delivery.Status.SENT),
    }


def test_a_commission_cut_through_the_edit_page_alerts_too(client, alert_world):
    world = alert_world.world
    client.force_login(world.owner)
    c_dept = world.c_dept
    response = client.post(
        reverse("campaigns:edit", args=[c_dept.pk]),
        {
            "title": c_dept.title,
            "starts_on": c_dept.starts_on.isoformat(),
            "ends_on": c_dept.ends_on.isoformat(),
            "commission_rate": "12.5",
            "service_fee_rate": str(c_dept.service_fee_rate),
            "review_mode": c_dept.review_mode,
            "is_published": "on",
            "scope_departments": [world.departments.fushi.pk],
        },
    )

    assert response.status_code == 302
    assert alerted_titles(world.reviewer_in) == ["P-approved", "P-high", "P-normal"]


@pytest.mark.parametrize("rate", ["20", "25"])
def test_keeping_or_raising_the_commission_alerts_nobody(alert_world, rate):
    world = alert_world.world

    services.campaign_update(actor=world.owner, campaign=world.c_dept, commission_rate=Decimal(rate))

    assert alerted_titles() == []


def test_a_commission_cut_alerts_only_approved_products_with_a_contact_person(alert_world):
    world = alert_world.world
    EnrolledProduct.objects.filter(pk=world.p_pending.pk).update(attention=HIGH)

    services.campaign_update(actor=world.owner, campaign=world.c_dept, commission_rate=Decimal("10"))

    assert "P-pending" not in alerted_titles()
    assert "P-rejected" not in alerted_titles()


def test_losing_the_alert_right_stops_the_alerts(alert_world):
    world = alert_world.world
    position = world.reviewer_in.position
    position.permissions.remove(*catalogue.catalogue_permissions().filter(codename=catalogue.COMMISSION_ALERTS))

    services.campaign_update(actor=world.owner, campaign=world.c_dept, commission_rate=Decimal("10"))

    assert alerted_titles() == []


# Campaign ending (not a risk event) -----------------------------------------------------------


def test_campaign_ending_alerts_only_high_attention_and_only_once(alert_world):
    world = alert_world.world
    two_days_before = world.c_dept.ends_on - datetime.timedelta(days=2)

    first = services.campaign_ending_alerts(within_days=3, today=two_days_before)
    titles = alerted_titles(world.reviewer_in)
    second = services.campaign_ending_alerts(within_days=3, today=two_days_before)

    assert titles == ["P-high"]
    assert first == 1
    assert second == 0
    assert alerted_titles() == ["P-high"]  # the second run sent nothing
    assert Campaign.objects.get(pk=world.c_dept.pk).ending_alerted_at is not None
    assert AuditEntry.objects.filter(action="campaign.ending_alerts", target_id=str(world.c_dept.pk)).count() == 1
    assert "The campaign ends on" in alerts(world.reviewer_in).get().body


def test_campaigns_ending_later_are_not_alerted_yet(alert_world):
    world = alert_world.world
    five_days_before = world.c_dept.ends_on - datetime.timedelta(days=5)

    assert services.campaign_ending_alerts(within_days=3, today=five_days_before) == 0
    assert Campaign.objects.get(pk=world.c_dept.pk).ending_alerted_at is None
    # ... and are alerted when they come within the window
    assert services.campaign_ending_alerts(within_days=3, today=world.c_dept.ends_on) == 1


def test_ended_campaigns_are_not_alerted(alert_world):
    world = alert_world.world

    assert services.campaign_ending_alerts(within_days=3, today=world.c_dept.ends_on + datetime.timedelta(days=1)) == 0
    assert alerted_titles() == []


# Service-fee risk is covered with the upload in test_effects.py; here the level filter itself.


@pytest.mark.parametrize(
    "attention, event, sent",
    [
        (HIGH, "commission_cut", True),
        (HIGH, "service_fee_risk", True),
        (HIGH, "campaign_ending", True),
        (NORMAL, "commission_cut", True),
        (NORMAL, "service_fee_risk", True),
        (NORMAL, "campaign_ending", False),
        (OFF, "commission_cut", False),
        (OFF, "service_fee_risk", False),
        (OFF, "campaign_ending", False),
    ],
)
def test_the_attention_level_filters_events(world, attention, event, sent):
    EnrolledProduct.objects.filter(pk=world.p_approved.pk).update(attention=attention)
    product = EnrolledProduct.objects.select_related("contact_person", "campaign").get(pk=world.p_approved.pk)

    assert services.product_alert(product=product, event=event) is sent
    assert alerts(world.reviewer_in).exists() is sent


# Who sets the attention level ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reviewer_in", "owner"])
def test_the_contact_person_or_the_owner_sets_the_attention_level(world, name):
    actor = world.owner if name == "owner" else world.reviewer_in

    services.product_set_attention(actor=actor, product=world.p_approved, attention=HIGH)

    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).attention == HIGH
    entry = AuditEntry.objects.get(action="product.attention", target_id=str(world.p_approved.pk))
    assert entry.actor == actor
    assert entry.before == {"attention": NORMAL} and entry.after == {"attention": HIGH}


@pytest.mark.parametrize("name", ["admin_l1", "admin_l2", "viewer_in", "outsider", "other_owner", "other_staff"])
def test_nobody_else_sets_the_attention_level(world, name):
    audits = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        services.product_set_attention(actor=getattr(world, name), product=world.p_approved, attention=OFF)

    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).attention == NORMAL
    assert AuditEntry.objects.count() == audits


def test_an_unknown_attention_level_is_refused(world):
    with pytest.raises(ValidationError):
        services.product_set_attention(actor=world.reviewer_in, product=world.p_approved, attention="loud")


def test_the_attention_page_action(client, world):
    url = reverse("campaigns:product_attention", args=[world.p_approved.pk])

    client.force_login(world.admin_l1)  # sees the product, is not its contact person
    assert client.post(url, {"attention": OFF}).status_code == 403
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).attention == NORMAL

    client.force_login(world.reviewer_in)
    assert 'name="attention"' in client.get(reverse("campaigns:product_detail", args=[world.p_approved.pk])).content.decode()
    assert client.post(url, {"attention": OFF}).status_code == 302
    assert EnrolledProduct.objects.get(pk=world.p_approved.pk).attention == OFF

    client.force_login(world.outsider)  # cannot see it at all
    assert client.post(url, {"attention": HIGH}).status_code == 404

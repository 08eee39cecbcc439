"""The dashboard's accounts items (issue 17): seats, pending invitations with resend, failed
notifications, accounts frozen or about to freeze, unread commission alerts, latest audit
entries. Each is shown only to who may act on it and counts only what that viewer's list shows."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Delivery, Invitation, Notification, User
from tests.personas import catalogue, hire

DASHBOARD = reverse("accounts:dashboard")


def panel(page, name):
    """The HTML of the dashboard panel ``data-testid="panel-<name>"`` ("" when absent)."""
    match = re.search(rf'<section class="panel" data-testid="panel-{name}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


def count_in(html):
    return re.search(r"data-count>([^<]*)<", html).group(1)


def dashboard_of(client, user):
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def failed_delivery(recipient, subject):
    notification = Notification.objects.create(tenant=recipient.tenant, recipient=recipient, subject=subject)
    return Delivery.objects.create(
        tenant=recipient.tenant,
        notification=notification,
        backend=Delivery.Backend.DINGTALK,
        status=Delivery.Status.FAILED,
        attempts=3,
        last_error="timeout",
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_seats_used_against_the_quotas(client, owner, org, east_admin, plain_staff, other_tenant_staff):
    hire(owner, "pending_one", org.east, org.clerk, bind=False)
    temporary = hire(owner, "temp_one", org.east, org.clerk)
    User.objects.filter(pk=temporary.pk).update(
        temporary_starts_at=timezone.now(), temporary_ends_at=timezone.now() + datetime.timedelta(days=3)
    )
    resigned = hire(owner, "gone", org.east, org.clerk)
    User.objects.filter(pk=resigned.pk).update(status=User.Status.RESIGNED)
    owner.tenant.temporary_quota = 10
    owner.tenant.save()

    seats = panel(dashboard_of(client, owner), "seats")

    # the resigned account holds no seat, the temporary one holds a temporary seat only (as on the
    # staff page and in the quota check); another tenant's staff count there, not here
    assert re.search(r'data-seats="used">3 / 50<', seats)
    from accounts.services.staff import seats_used

    assert seats_used(owner.tenant) == 3
    assert re.search(r'data-seats="temporary">1 / 10<', seats)


def test_staff_do_not_see_the_owners_items(client, owner, org, east_admin):
    hire(owner, "pending_one", org.east, org.clerk, bind=False)
    failed_delivery(owner, "Only for the owner")
    page = dashboard_of(client, east_admin)  # a department admin lists staff, yet may not resend

    for name in ("seats", "invitations", "failed-deliveries", "freezing", "audit"):
        assert panel(page, name) == "", name
    assert "Only for the owner" not in page and "pending_one" not in page.lower()


def test_pending_invitations_offer_a_resend_through_the_service(client, owner, org, plain_staff):
    waiting = hire(owner, "waiting", org.east, org.clerk, bind=False)
    invitations = panel(dashboard_of(client, owner), "invitations")

    assert count_in(invitations) == "1"
    assert "Waiting" in invitations and "Plain Staff" not in invitations  # bound accounts are not listed
    resend = reverse("staff:action", args=[waiting.pk, "resend"])
    assert f'action="{resend}"' in invitations and "csrfmiddlewaretoken" in invitations

    response = client.post(resend)

    assert response.status_code == 302
    assert Invitation.objects.filter(user=waiting).count() == 2
    assert Invitation.objects.filter(user=waiting).usable().count() == 1  # the first link stopped working
    assert AuditEntry.objects.filter(action="staff.invite", target_id=str(waiting.pk)).count() == 2


def test_another_tenants_pending_staff_are_not_listed(client, owner, org, other_owner, other_org):
    hire(other_owner, "globex_waiting", other_org.hq, other_org.clerk, bind=False)
    invitations = panel(dashboard_of(client, owner), "invitations")
    assert count_in(invitations) == "0" and "Globex" not in invitations


def test_frozen_and_soon_frozen_accounts(client, owner, org, other_owner, other_org):
    now = timezone.now()
    frozen = hire(owner, "frozen_one", org.east, org.clerk)
    soon = hire(owner, "soon_one", org.east, org.clerk)
    rejected = hire(owner, "rejected_one", org.west, org.clerk)
    later = hire(owner, "later_one", org.east, org.clerk)
    verified = hire(owner, "verified_one", org.east, org.clerk)
    temporary = hire(owner, "temporary_one", org.east, org.clerk)
    foreign = hire(other_owner, "globex_frozen", other_org.hq, other_org.clerk)
    User.objects.filter(pk=frozen.pk).update(status=User.Status.FROZEN, frozen_at=now)
    User.objects.filter(pk=foreign.pk).update(status=User.Status.FROZEN, frozen_at=now)
    User.objects.filter(pk=soon.pk).update(verify_deadline=now + datetime.timedelta(hours=30))
    User.objects.filter(pk=rejected.pk).update(
        identity_status=User.IdentityStatus.REJECTED, verify_deadline=now + datetime.timedelta(hours=5)
    )
    User.objects.filter(pk=later.pk).update(verify_deadline=now + datetime.timedelta(days=5))
    User.objects.filter(pk=verified.pk).update(
        identity_status=User.IdentityStatus.VERIFIED, verify_deadline=now + datetime.timedelta(hours=5)
    )
    User.objects.filter(pk=temporary.pk).update(
        verify_deadline=now + datetime.timedelta(hours=5),
        temporary_starts_at=now,
        temporary_ends_at=now + datetime.timedelta(days=3),
    )

    freezing = panel(dashboard_of(client, owner), "freezing")

    assert count_in(freezing) == "3"
    names = re.findall(r'<a href="/staff/\d+/">([^<]+)</a>', freezing)
    assert names == ["Frozen One", "Rejected One", "Soon One"]  # frozen first, then the soonest deadline
    for absent in ("Later One", "Verified One", "Temporary One", "Globex Frozen"):
        assert absent not in freezing
    assert f'href="{reverse("staff:detail", args=[frozen.pk])}"' in freezing


def test_failed_notifications_link_to_the_page_that_retries(client, owner, other_owner):
    failed_delivery(owner, "Invitation for Li Lei")
    failed_delivery(other_owner, "Secret of globex")
    Delivery.objects.create(
        tenant=owner.tenant,
        notification=Notification.objects.create(tenant=owner.tenant, recipient=owner, subject="Went fine"),
        backend=Delivery.Backend.DINGTALK,
        status=Delivery.Status.SENT,
    )

    deliveries = panel(dashboard_of(client, owner), "failed-deliveries")

    assert count_in(deliveries) == "1"
    assert "Invitation for Li Lei" in deliveries
    assert "Secret of globex" not in deliveries and "Went fine" not in deliveries
    assert f'href="{reverse("accounts:deliveries")}?status=failed"' in deliveries


def test_staff_see_their_own_unread_commission_alerts(client, owner, org, plain_staff, east_admin):
    def alert(recipient, subject, read=False):
        return Notification.objects.create(
            tenant=recipient.tenant,
            recipient=recipient,
            kind=Notification.Kind.COMMISSION_ALERT,
            subject=subject,
            link="/campaigns/products/1/",
            read_at=timezone.now() if read else None,
        )

    mine = alert(plain_staff, "Commission cut: Red dress")
    alert(plain_staff, "Commission cut: Old news", read=True)
    alert(east_admin, "Commission cut: Admin's shoes")
    assert 'data-testid="panel-alerts"' not in dashboard_of(client, plain_staff)  # no right to alerts
    plain_staff.user_permissions.add(*catalogue("commission_alerts"))

    alerts = panel(dashboard_of(client, plain_staff), "alerts")

    assert count_in(alerts) == "1"
    assert "Red dress" in alerts and "Old news" not in alerts and "Admin&#x27;s shoes" not in alerts
    assert f'href="{reverse("accounts:inbox_detail", args=[mine.pk])}"' in alerts


def test_the_latest_audit_entries_of_the_tenant(client, owner, org, other_owner, other_org):
    page = dashboard_of(client, owner)
    audit = panel(page, "audit")
    assert "Position created" in audit or "Department created" in audit
    assert "position.create" not in audit and "department.create" not in audit  # words, not codes
    assert "Globex" not in audit
    assert audit.count("<li>") == 5


@pytest.mark.parametrize("extra", [0, 12])
def test_the_owners_dashboard_reads_a_fixed_number_of_queries(client, owner, org, django_assert_max_num_queries, extra):
    for index in range(extra):
        staff = hire(owner, f"waiting_{index}", org.east, org.clerk, bind=False)
        failed_delivery(owner, f"Failed {index}")
        User.objects.filter(pk=staff.pk).update(status=User.Status.FROZEN)
    client.force_login(owner)
    # the user's generation row, first steps, seats, one query for every panel's capped counts
    # (the 4 lists' and the 3 operation-account counts, issue 27), the first rows of each
    # non-empty list (4), effect sums, audit and the unread count: 11 with every list filled,
    # whatever the number of rows (the session and the user come from the cache); 14 leaves room
    # for the once-a-minute session save.
    with django_assert_max_num_queries(14):
        response = client.get(DASHBOARD)
    assert response.status_code == 200


def test_a_staff_dashboard_reads_a_fixed_number_of_queries(client, owner, org, plain_staff, django_assert_max_num_queries):
    for index in range(12):
        Notification.objects.create(
            tenant=owner.tenant, recipient=plain_staff, kind=Notification.Kind.COMMISSION_ALERT, subject=f"Alert {index}"
        )
    client.force_login(plain_staff)
    with django_assert_max_num_queries(10):
        response = client.get(DASHBOARD)
    assert response.status_code == 200


def first_steps(page):
    """``{step key: done}`` of the first-steps checklist on a dashboard page ({} when hidden)."""
    found = re.findall(r'data-step="(\w+)" data-done="(\w+)"', panel(page, "first-steps"))
    return {key: done == "yes" for key, done in found}


def test_a_new_tenants_first_steps_tick_themselves_from_its_data(client, owner, other_owner, other_org):
    from campaigns.models import Campaign
    from orgchart.services import department_create, position_create
    from tests.personas import campaign

    page = dashboard_of(client, owner)
    # Another tenant's departments and positions tick nothing here.
    assert first_steps(page) == {
        "dingtalk": True,
        "departments": False,
        "positions": False,
        "staff": False,
        "binding": False,
        "campaign": False,
    }
    checklist = panel(page, "first-steps")
    for url in ("accounts:dingtalk", "orgchart:department_add", "orgchart:position_add", "staff:add", "campaigns:create"):
        assert f'href="{reverse(url)}"' in checklist

    department = department_create(actor=owner, tenant=owner.tenant, name="Sales")
    position = position_create(actor=owner, tenant=owner.tenant, name="Clerk", permissions=catalogue("view_campaigns"))
    hire(owner, "waiting", department, position, bind=False)
    steps = first_steps(dashboard_of(client, owner))
    assert [key for key, done in steps.items() if not done] == ["binding", "campaign"]

    hire(owner, "bound", department, position)
    assert [key for key, done in first_steps(dashboard_of(client, owner)).items() if not done] == ["campaign"]

    campaign(owner, "Spring sale", scope_whole_tenant=True)
    assert Campaign.objects.filter(tenant=owner.tenant).exists()
    assert 'data-testid="panel-first-steps"' not in dashboard_of(client, owner)  # all done: the checklist goes


@pytest.mark.parametrize(
    "page, next_step",
    [
        ("orgchart:tree", "orgchart:department_add"),
        ("orgchart:positions", "orgchart:position_add"),
        ("staff:list", "staff:add"),
        ("campaigns:list", "campaigns:create"),
        ("campaigns:products", "campaigns:list"),
        ("campaigns:report", "campaigns:effect_upload"),
        ("operations:task_list", "operations:task_add"),
        ("operations:order_list", "operations:task_list"),
        ("chat:history", "chat:distribution"),
    ],
)
def test_every_empty_list_of_a_new_tenant_links_to_its_next_step(client, owner, page, next_step):
    client.force_login(owner)
    html = client.get(reverse(page)).content.decode()
    link = re.search(r'<a class="empty-next" data-testid="empty-next" href="([^"]+)">', html)
    assert link and link.group(1) == reverse(next_step), page

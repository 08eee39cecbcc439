"""Temporary customer-service accounts (临时客服, R-20): own quota, window-bound login, sessions
that end when the window closes, the separate list and the window edit."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from qsessions.models import Session

from accounts.models import AuditEntry, Invitation, User
from accounts.services import staff as staff_services
from accounts.services.temporary import (
    temporary_sessions_end_closed,
    temporary_staff_add,
    temporary_window_update,
)
from tests.factories import PASSWORD, StaffFactory
from tests.personas import accept_invitation, fresh, hire, next_mobile

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


def add_temporary(owner, org, account_name="kefu1", *, starts=None, ends=None, bind=True, **overrides):
    now = timezone.now()
    staff, link = temporary_staff_add(
        actor=owner,
        tenant=overrides.pop("tenant", owner.tenant),
        display_name=overrides.pop("display_name", "Ke Fu"),
        account_name=account_name,
        mobile=overrides.pop("mobile", None) or next_mobile(),
        department=overrides.pop("department", org.ops),
        position=overrides.pop("position", org.clerk),
        starts_at=starts or now - HOUR,
        ends_at=ends or now + 24 * HOUR,
    )
    if bind:
        accept_invitation(link)
    return fresh(staff)


def log_in(username, password=PASSWORD):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client, response


# --- adding ---------------------------------------------------------------------------------------


def test_a_temporary_account_binds_by_invitation_and_needs_no_verification(owner, org):
    staff = add_temporary(owner, org)

    assert staff.is_temporary and staff.status == User.Status.ACTIVE
    assert not staff.is_muted
    assert Invitation.objects.filter(user=staff, accepted_at__isnull=False).exists()
    entry = AuditEntry.objects.get(action="temporary.add")
    assert entry.actor == owner and entry.after["ends_at"] and entry.after["mobile"] == staff.mobile


def test_temporaries_take_no_staff_seat_and_have_their_own_quota(owner, org, plain_staff):
    tenant = owner.tenant
    tenant.staff_quota = 1  # plain_staff holds the only seat
    tenant.temporary_quota = 2
    tenant.save()

    add_temporary(owner, org, "kefu1")
    add_temporary(owner, org, "kefu2", bind=False)
    with pytest.raises(ValidationError, match="temporary account quota is 2"):
        add_temporary(owner, org, "kefu3")

    assert staff_services.seats_used(tenant) == 1
    assert staff_services.temporary_seats_used(tenant) == 2
    assert not User.objects.filter(account_name="kefu3").exists()
    with pytest.raises(ValidationError, match="staff quota is 1"):
        hire(owner, "regular", org.ops, org.clerk)


def test_an_offboarded_temporary_frees_its_quota_and_rebinding_counts_it_again(owner, org):
    tenant = owner.tenant
    tenant.temporary_quota = 1
    tenant.save()
    first = add_temporary(owner, org, "kefu1")
    staff_services.staff_offboard(actor=owner, staff=first)
    add_temporary(owner, org, "kefu2")

    with pytest.raises(ValidationError, match="temporary account quota is 1"):
        staff_services.staff_rebind(actor=owner, staff=fresh(first), display_name="Next", mobile=next_mobile())


def test_names_and_mobiles_are_checked_like_staff(owner, org, plain_staff):
    staff_services.staff_offboard(actor=owner, staff=plain_staff)
    with pytest.raises(ValidationError) as name_taken:
        add_temporary(owner, org, "plain_staff")
    assert "resigned accounts included" in str(name_taken.value.message_dict["account_name"])

    other = hire(owner, "ops_person", org.ops, org.clerk)
    with pytest.raises(ValidationError) as mobile_taken:
        add_temporary(owner, org, "kefu9", mobile=other.mobile)
    assert "mobile" in mobile_taken.value.message_dict


@pytest.mark.parametrize(
    "starts, ends, message",
    [
        (2 * HOUR, HOUR, "end after it starts"),
        (-3 * HOUR, -HOUR, "already closed"),
    ],
)
def test_a_bad_window_is_refused_by_field(owner, org, starts, ends, message):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        add_temporary(owner, org, starts=now + starts, ends=now + ends)
    assert message in " ".join(error.value.message_dict["ends_at"])
    assert not User.objects.filter(account_name="kefu1").exists()


def test_only_the_main_account_adds_one(org, east_admin, other_owner, owner):
    for actor in (east_admin, other_owner):
        with pytest.raises(PermissionDenied):
            add_temporary(actor, org, tenant=owner.tenant)


# --- the window -----------------------------------------------------------------------------------


def test_outside_the_window_the_login_form_gives_the_window_in_shanghai_time(owner, org):
    starts = datetime.datetime(2030, 11, 1, 0, 0, tzinfo=SHANGHAI)
    ends = datetime.datetime(2030, 12, 21, 23, 59, tzinfo=SHANGHAI)
    staff = add_temporary(owner, org, starts=starts, ends=ends)

    client, response = log_in(staff.username)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "works only from 2030-11-01 00:00 – 2030-12-21 23:59 (Asia/Shanghai)" in errors
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    _client, wrong = log_in(staff.username, "Wrong-password-1")
    assert "works only" not in " ".join(wrong.context["form"].non_field_errors())  # the window is no hint to a guesser


def test_inside_the_window_it_logs_in(owner, org):
    staff = add_temporary(owner, org)
    client, response = log_in(staff.username)
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_when_the_window_closes_the_session_ends_and_the_command_deletes_it_once(owner, org):
    staff = add_temporary(owner, org)
    client, _response = log_in(staff.username)
    User.objects.filter(pk=staff.pk).update(temporary_ends_at=timezone.now() - datetime.timedelta(seconds=1))

    assert client.get(reverse("accounts:dashboard")).status_code == 302  # at once, through can_log_in
    assert Session.objects.filter(user=staff).exists()

    out = StringIO()
    call_command("end_temporary_sessions", stdout=out)
    call_command("end_temporary_sessions", stdout=out)

    assert not Session.objects.filter(user=staff).exists()
    assert out.getvalue().splitlines() == [
        "1 temporary accounts closed, 1 sessions ended.",
        "0 temporary accounts closed, 0 sessions ended.",
    ]
    entries = AuditEntry.objects.filter(action="temporary.window_closed", target_id=str(staff.pk))
    assert entries.count() == 1 and entries.get().after["sessions_ended"] == 1


def test_the_command_leaves_open_windows_and_regular_staff_alone(owner, org, plain_staff):
    open_one = add_temporary(owner, org)
    log_in(open_one.username)
    log_in(plain_staff.username)

    assert temporary_sessions_end_closed() == (0, 0)
    assert Session.objects.filter(user__in=[open_one, plain_staff]).count() == 2


def test_moving_the_window_is_audited_and_ends_sessions_outside_it(owner, org):
    staff = add_temporary(owner, org)
    log_in(staff.username)
    later = timezone.now() + 48 * HOUR

    temporary_window_update(actor=owner, staff=staff, starts_at=later, ends_at=later + HOUR)

    assert not Session.objects.filter(user=staff).exists()
    entry = AuditEntry.objects.get(action="temporary.window_update")
    assert entry.before["ends_at"] != entry.after["ends_at"] and entry.after["sessions_ended"] == 1
    assert fresh(staff).temporary_state == "upcoming"


def test_moving_a_window_needs_a_temporary_account_and_the_main_account(owner, org, plain_staff, other_owner):
    now = timezone.now()
    with pytest.raises(ValidationError, match="Only temporary"):
        temporary_window_update(actor=owner, staff=plain_staff, starts_at=now, ends_at=now + HOUR)
    staff = add_temporary(owner, org)
    with pytest.raises(PermissionDenied):
        temporary_window_update(actor=other_owner, staff=staff, starts_at=now, ends_at=now + HOUR)


# --- pages ----------------------------------------------------------------------------------------


def window_post(starts, ends):
    fmt = "%Y-%m-%dT%H:%M"
    return {"starts_at": starts.astimezone(SHANGHAI).strftime(fmt), "ends_at": ends.astimezone(SHANGHAI).strftime(fmt)}


def test_the_owner_adds_one_through_the_page_with_shanghai_times(owner_client, owner, org):
    data = {
        "display_name": "Ke Fu",
        "account_name": "kefu1",
        "mobile": "13912345678",
        "department": org.ops.pk,
        "position": org.clerk.pk,
        "starts_at": "2030-11-01T00:00",
        "ends_at": "2030-12-21T23:59",
    }
    response = owner_client.post(reverse("staff:temporary_add"), data)

    assert response.status_code == 302
    staff = User.objects.get(account_name="kefu1")
    assert staff.temporary_starts_at == datetime.datetime(2030, 11, 1, 0, 0, tzinfo=SHANGHAI)
    assert staff.temporary_ends_at == datetime.datetime(2030, 12, 21, 23, 59, tzinfo=SHANGHAI)
    detail = owner_client.get(response["Location"]).content.decode()
    assert "2030-11-01 00:00 – 2030-12-21 23:59 (Asia/Shanghai)" in detail and "Upcoming" in detail


def test_the_add_page_shows_errors_next_to_the_fields(owner_client, org):
    data = {"display_name": "Ke Fu", "account_name": "kefu1", "mobile": "13912345678", "department": org.ops.pk,
            "position": org.clerk.pk, "starts_at": "2030-11-02T00:00", "ends_at": "2030-11-01T00:00"}
    response = owner_client.post(reverse("staff:temporary_add"), data)
    assert response.status_code == 200
    assert "end after it starts" in " ".join(response.context["form"].errors["ends_at"])
    assert not User.objects.filter(account_name="kefu1").exists()


def test_the_staff_page_lists_temporaries_apart_with_state_and_quota(owner_client, owner, org, plain_staff):
    now = timezone.now()
    add_temporary(owner, org, "kefu_open")
    add_temporary(owner, org, "kefu_later", starts=now + 24 * HOUR, ends=now + 48 * HOUR, bind=False)
    closed = add_temporary(owner, org, "kefu_over", starts=now - 5 * HOUR)
    User.objects.filter(pk=closed.pk).update(temporary_ends_at=now - HOUR)

    response = owner_client.get(reverse("staff:list"))

    assert {s.account_name for s in response.context["page_obj"].object_list} == {"plain_staff"}
    states = {s.account_name: s.temporary_state for s in response.context["temporaries"]}
    assert states == {"kefu_open": "open", "kefu_later": "upcoming", "kefu_over": "closed"}
    body = response.content.decode()
    assert "3 of 20 temporary accounts used" in body and "1 of 50 seats used" in body


def test_staff_list_query_count_does_not_grow_with_temporaries(owner_client, owner, org, django_assert_max_num_queries):
    owner_client.get(reverse("accounts:dashboard"))
    now = timezone.now()
    for i in range(6):
        StaffFactory(tenant=owner.tenant, department=org.ops, position=org.clerk,
                     temporary_starts_at=now - HOUR, temporary_ends_at=now + HOUR * (i + 1))
    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse("staff:list"))
    assert len(response.context["temporaries"]) == 6


def test_window_page_rules(client, owner, org, plain_staff, other_owner, east_admin):
    staff = add_temporary(owner, org)
    url = reverse("staff:temporary_window", args=[staff.pk])
    now = timezone.now()

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    client.force_login(east_admin)
    assert client.get(url).status_code == 403
    client.force_login(other_owner)
    assert client.post(url, window_post(now, now + HOUR)).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("staff:temporary_window", args=[plain_staff.pk])).status_code == 404
    response = client.post(url, window_post(now - HOUR, now + 72 * HOUR))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="temporary.window_update", actor=owner).count() == 1


def test_temporary_add_page_rules(client, owner, org, east_admin):
    url = reverse("staff:temporary_add")
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(east_admin)
    assert client.get(url).status_code == 403


def test_the_operator_sets_the_temporary_quota_in_the_admin(client, operator, owner):
    client.force_login(operator)
    url = reverse("admin:accounts_tenant_change", args=[owner.tenant.pk])
    page = client.get(url).content.decode()
    assert 'name="temporary_quota"' in page
    data = {"name": owner.tenant.name, "kind": owner.tenant.kind, "staff_quota": 50, "temporary_quota": 35,
            "dingtalk_contact_name": "Boss", "dingtalk_mobile": "13800138000", "dingtalk_webhook": ""}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    owner.tenant.refresh_from_db()
    assert owner.tenant.temporary_quota == 35
    entry = AuditEntry.objects.get(action="tenant.quotas")
    assert entry.before == {"staff_quota": 50, "temporary_quota": 20}
    assert entry.after == {"staff_quota": 50, "temporary_quota": 35}


def test_the_command_records_a_session_less_closed_window_once_and_skips_old_ones(owner, org):
    recent = add_temporary(owner, org, "kefu_recent", starts=timezone.now() - 48 * HOUR)
    old = add_temporary(owner, org, "kefu_old", starts=timezone.now() - 30 * 24 * HOUR)
    User.objects.filter(pk=recent.pk).update(temporary_ends_at=timezone.now() - HOUR)
    User.objects.filter(pk=old.pk).update(temporary_ends_at=timezone.now() - 10 * 24 * HOUR)

    assert temporary_sessions_end_closed() == (1, 0)
    assert temporary_sessions_end_closed() == (0, 0)
    assert AuditEntry.objects.filter(action="temporary.window_closed").get().target_id == str(recent.pk)

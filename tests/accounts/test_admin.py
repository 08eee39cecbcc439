"""Platform operators in the Django admin go through the same rules and services (issue 15, R-22)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from qsessions.models import Session

from accounts.models import AuditEntry, User
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_an_operator_cannot_rename_a_login_move_a_user_or_bypass_the_owners_services(
    operator_client, owner, org, west_staff, other_tenant
):
    before = User.objects.get(pk=west_staff.pk)

    response = operator_client.post(
        change_url(west_staff),
        {
            "username": "acme:renamed",
            "tenant": other_tenant.pk,
            "kind": "owner",
            "account_name": "renamed",
            "department": org.east.pk,
            "status": "active",
            "is_department_admin": "on",
            "is_active": "on",
            "is_superuser": "on",
            "first_name": "West",
            "last_name": "Staff",
            "email": "west@example.com",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    after = User.objects.get(pk=west_staff.pk)
    for field in ("username", "tenant_id", "kind", "account_name", "department_id", "is_department_admin", "is_superuser", "status"):
        assert getattr(after, field) == getattr(before, field), field
    assert after.email == "west@example.com"
    entry = AuditEntry.objects.get(action="admin.user.change", target_id=str(west_staff.pk))
    assert entry.after == {"email": "west@example.com", "first_name": "West", "last_name": "Staff"}


def test_seat_quotas_change_through_the_audited_service_and_are_bounded(operator_client, owner, operator):
    tenant = owner.tenant
    form = {"name": tenant.name, "kind": tenant.kind, "staff_quota": 80, "temporary_quota": 30}

    assert operator_client.post(change_url(tenant), form).status_code == 302

    tenant.refresh_from_db()
    assert (tenant.staff_quota, tenant.temporary_quota) == (80, 30)
    entry = AuditEntry.objects.get(action="tenant.quotas")
    assert entry.actor == operator and entry.tenant == tenant
    assert entry.before == {"staff_quota": 50, "temporary_quota": 20} and entry.after == {"staff_quota": 80, "temporary_quota": 30}

    response = operator_client.post(change_url(tenant), {**form, "staff_quota": 10**12})
    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.staff_quota == 80


def test_the_robot_address_and_login_prefix_are_the_owners_not_the_admins(operator_client, owner):
    tenant = owner.tenant
    webhook = tenant.dingtalk_webhook

    operator_client.post(
        change_url(tenant),
        {
            "slug": "hijacked",
            "name": tenant.name,
            "kind": tenant.kind,
            "staff_quota": 50,
            "temporary_quota": 20,
            "dingtalk_webhook": "https://intranet.example/x",
        },
    )

    tenant.refresh_from_db()
    assert tenant.slug == "acme" and tenant.dingtalk_webhook == webhook
    assert operator_client.get(reverse("admin:accounts_tenant_add")).status_code == 403


def test_an_admin_password_change_is_audited_and_ends_the_users_sessions(client, operator, tenant):
    staff = StaffFactory(tenant=tenant)
    staff_browser = type(client)()
    staff_browser.force_login(staff)
    assert Session.objects.filter(user=staff).exists()
    client.force_login(operator)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[staff.pk]),
        {"password1": "N3w-pass-for-staff", "password2": "N3w-pass-for-staff", "set_usable_password": "true"},
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("N3w-pass-for-staff")
    assert not Session.objects.filter(user=staff).exists()
    entry = AuditEntry.objects.get(action="admin.user.password")
    assert entry.actor == operator and entry.target_id == str(staff.pk)
    assert "N3w-pass" not in str(entry.before) + str(entry.after)


def test_an_operator_changing_their_own_password_stays_logged_in(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[operator.pk]),
        {"password1": "N3w-pass-for-op", "password2": "N3w-pass-for-op", "set_usable_password": "true"},
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_users_added_in_the_admin_are_operators(operator_client):
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "second_op", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    created = User.objects.get(username="second_op")
    assert created.kind == User.Kind.OPERATOR and created.tenant is None and created.is_staff
    assert AuditEntry.objects.filter(action="admin.user.add", target_id=str(created.pk)).exists()


def test_tenant_accounts_cannot_be_deleted_in_the_admin(operator_client, owner, west_staff):
    for user in (owner, west_staff):
        url = reverse("admin:accounts_user_delete", args=[user.pk])
        assert operator_client.post(url, {"post": "yes"}).status_code == 403
        assert User.objects.filter(pk=user.pk).exists()


def test_the_org_chart_and_its_scope_groups_are_view_only_in_the_admin(operator_client, org):
    group = Group.objects.exclude(pk__isnull=True).first()
    assert group is not None
    assert operator_client.get(change_url(org.east)).status_code == 200  # viewable
    for obj, data in (
        (org.east, {"name": "Renamed"}),
        (org.clerk, {"name": "Renamed", "description": ""}),
        (group, {"name": "renamed"}),
    ):
        operator_client.post(change_url(obj), data)
        obj.refresh_from_db()
        assert obj.name != data["name"].lower() and obj.name != data["name"]
    for name in ("admin:orgchart_department_add", "admin:orgchart_position_add", "admin:auth_group_add"):
        assert operator_client.get(reverse(name)).status_code == 403


def test_no_password_typed_in_the_admin_reaches_the_audit_log(operator_client):
    """The add form's password1/password2 were recorded in clear in the append-only log."""
    operator_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "third_op", "password1": "Secret-Plain-2026!", "password2": "Secret-Plain-2026!", "usable_password": "true"},
    )

    entries = " ".join(f"{e.before} {e.after}" for e in AuditEntry.objects.all())
    assert "Secret-Plain-2026!" not in entries
    assert AuditEntry.objects.filter(action="admin.user.add").exists()


def test_saving_without_a_change_writes_no_entry(operator_client, operator):
    operator_client.post(
        change_url(operator),
        {"username": operator.username, "first_name": "", "last_name": "", "email": operator.email, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )

    assert not AuditEntry.objects.filter(action="admin.user.change").exists()


def test_a_quota_below_the_seats_in_use_is_saved_with_a_warning(operator_client, owner):
    StaffFactory.create_batch(3, tenant=owner.tenant)
    form = {"name": owner.tenant.name, "kind": owner.tenant.kind, "staff_quota": 2, "temporary_quota": 20}

    response = operator_client.post(change_url(owner.tenant), form, follow=True)

    owner.tenant.refresh_from_db()
    assert owner.tenant.staff_quota == 2
    assert "more than its quota of 2" in response.content.decode()


def test_renaming_a_tenant_in_the_admin_is_audited_through_its_service(operator_client, owner, operator):
    tenant = owner.tenant
    form = {"name": "Acme Flagship", "kind": "service_provider", "staff_quota": 50, "temporary_quota": 20}

    assert operator_client.post(change_url(tenant), form).status_code == 302

    tenant.refresh_from_db()
    assert (tenant.name, tenant.kind, tenant.slug) == ("Acme Flagship", "service_provider", "acme")
    entry = AuditEntry.objects.get(action="admin.tenant.change")
    assert entry.actor == operator and entry.after == {"name": "Acme Flagship", "kind": "service_provider"}
    assert not AuditEntry.objects.filter(action="tenant.quotas").exists()  # unchanged quotas write nothing

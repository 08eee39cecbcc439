import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Tenant, User
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "tenant_name": "Acme Shop",
    "slug": "acme",
    "kind": "shop",
    "username": "boss",
    "email": "boss@example.com",
    "password1": "Str0ng-pass-phrase",
    "password2": "Str0ng-pass-phrase",
}


def test_sign_up_creates_tenant_owner_and_audit_entry(client):
    response = client.post(reverse("accounts:signup"), SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dingtalk")
    tenant = Tenant.objects.get(slug="acme")
    owner = User.objects.get(username="boss")
    assert owner.tenant == tenant and owner.is_owner
    assert owner.password.startswith("md5$") or owner.password.startswith("argon2")
    entry = AuditEntry.objects.get(action="tenant.sign_up")
    assert entry.tenant == tenant and entry.actor == owner
    assert entry.after["slug"] == "acme"


def test_sign_up_uses_argon2_in_production_settings():
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("slug", "Ac me", "lower-case letters"),
        ("username", "bad:name", "cannot contain a colon"),
        ("password2", "something-else-entirely", "The two passwords differ."),
        ("password1", "123", "too short"),
    ],
)
def test_sign_up_bad_input_is_shown_next_to_the_field_and_stores_nothing(client, field, value, message):
    data = {**SIGNUP, field: value}
    if field == "password1":
        data["password2"] = value

    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    target = "password1" if field == "password1" else field
    assert message in " ".join(errors[target])
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize("typed", ["ShopA", "ｓｈｏｐａ", "ＳＨＯＰＡ", " SHOPA "])
def test_a_login_prefix_typed_in_upper_case_or_full_width_is_stored_in_lower_case(client, typed):
    """The form lower-cases the prefix; its rule (lower-case letters …) is checked after that."""
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "slug": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Tenant.objects.get().slug == "shopa"


def test_a_login_prefix_differing_only_in_case_or_width_is_taken(client, tenant):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "slug": tenant.slug.upper()})

    assert "already taken" in " ".join(response.context["form"].errors["slug"])
    assert Tenant.objects.count() == 1


def test_sign_up_refuses_a_taken_login_prefix(client, tenant):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "slug": tenant.slug})

    assert "already taken" in " ".join(response.context["form"].errors["slug"])
    assert Tenant.objects.count() == 1


def test_owner_logs_in_by_user_name(client, owner):
    response = client.post(reverse("accounts:login"), {"username": owner.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.parametrize("login", ["acme:zhangsan", "ACME:ZhangSan", " acme : zhangsan ", "ａｃｍｅ：ｚｈａｎｇｓａｎ"])
def test_staff_log_in_as_tenant_colon_name(client, tenant, login):
    StaffFactory(tenant=tenant, account_name="zhangsan")

    response = client.post(reverse("accounts:login"), {"username": login, "password": PASSWORD})

    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("accounts:dashboard")).context["user"].account_name == "zhangsan"


def test_staff_name_without_tenant_prefix_does_not_log_in(client, tenant):
    StaffFactory(tenant=tenant, account_name="zhangsan")

    response = client.post(reverse("accounts:login"), {"username": "zhangsan", "password": PASSWORD})

    assert response.status_code == 200
    assert "<tenant>:<account name>" in " ".join(response.context["form"].non_field_errors())


def test_same_account_name_in_another_tenant_is_another_person(client, tenant, other_tenant):
    StaffFactory(tenant=tenant, account_name="zhangsan")
    other = StaffFactory(tenant=other_tenant, account_name="zhangsan")
    other.set_password("Another-secret-99")
    other.save()

    response = client.post(reverse("accounts:login"), {"username": "acme:zhangsan", "password": "Another-secret-99"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "status, message",
    [
        (User.Status.PENDING, "not bound yet"),
        (User.Status.DISABLED, "has been disabled"),
        (User.Status.RESIGNED, "has been unbound"),
    ],
)
def test_blocked_staff_get_a_clear_reason(client, tenant, status, message):
    StaffFactory(tenant=tenant, account_name="lisi", status=status)

    response = client.post(reverse("accounts:login"), {"username": "acme:lisi", "password": PASSWORD})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabled_staff_with_wrong_password_learns_nothing(client, tenant):
    StaffFactory(tenant=tenant, account_name="lisi", status=User.Status.DISABLED)

    response = client.post(reverse("accounts:login"), {"username": "acme:lisi", "password": "wrong-one"})

    body = response.content.decode()
    assert "Wrong user name or password" in body
    assert "disabled" not in body


def test_a_session_ends_on_the_next_request_once_the_account_is_disabled(client, tenant):
    staff = StaffFactory(tenant=tenant, account_name="lisi")
    client.force_login(staff)
    assert client.get(reverse("accounts:dashboard")).status_code == 200

    User.objects.filter(pk=staff.pk).update(status=User.Status.DISABLED)

    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_needs_post(owner_client):
    assert owner_client.get(reverse("accounts:logout")).status_code == 405
    assert owner_client.post(reverse("accounts:logout")).status_code == 302
    assert owner_client.get(reverse("accounts:dashboard")).status_code == 302


def test_password_change_keeps_the_session_and_is_audited(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Brand-new-pass-77")
    assert owner_client.get(reverse("accounts:dashboard")).status_code == 200
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == owner and "Brand-new" not in str(entry.after)


def test_password_change_with_wrong_old_password_changes_nothing(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for name in ["accounts:dashboard", "accounts:inbox", "accounts:dingtalk", "accounts:audit_log", "accounts:deliveries"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def test_staff_cannot_reach_owner_pages(client, tenant):
    client.force_login(StaffFactory(tenant=tenant))

    for name in ["accounts:dingtalk", "accounts:audit_log", "accounts:deliveries", "accounts:audit_log_export"]:
        assert client.get(reverse(name)).status_code == 403, name

"""Input longer than a column or a library's limit gets the ordinary form error, never a 500.

Every public form (login, both sign-ups, the binding link, enrollment, the buyer's chat) and the
SCIM API are sent values longer than what stores them; the answer names the field and nothing is
stored. PostgreSQL refuses an over-long value outright (SQLite stores it), so these tests matter
most there. A structural test keeps every form field limited, those added later included.
"""

import importlib
import inspect
import json
from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib.auth import authenticate
from django.core.validators import MaxLengthValidator
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.lockout import AXES_USERNAME_MAX_LENGTH, lockout_username
from accounts.models import AuditEntry, Invitation, Tenant, User
from accounts.services import staff as staff_services
from campaigns.models import EnrolledProduct
from chat.models import ChatGroup, Conversation
from scim.services import scim_token_create
from tests.personas import campaign, org  # noqa: F401  (org: a fixture)

pytestmark = pytest.mark.django_db

LONG = 300
STRONG = "Str0ng-pass-phrase"


def refused(response, field):
    """The page came back (not a 500) with an error next to ``field`` (the buyer's page says 400)."""
    assert response.status_code in {200, 400}, response.status_code
    errors = response.context["form"].errors
    assert field in errors, dict(errors)
    return " ".join(errors[field])


# --- Login ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["a" * LONG, "x" * 256, "ﬀ" * 100])  # "ﬀ" is "ff" once normalised
def test_login_with_an_over_long_name_is_a_form_error(client, settings, owner, username):
    """It was a 500 (django-axes #1381: axes keeps the name in a 255-character column)."""
    settings.AXES_ENABLED = True

    response = client.post(reverse("accounts:login"), {"username": username, "password": "whatever"})

    assert "at most 150 characters" in refused(response, "username")
    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.exists()


def test_a_login_of_the_longest_allowed_name_is_still_checked(client, settings, owner):
    settings.AXES_ENABLED = True

    response = client.post(reverse("accounts:login"), {"username": "a" * 150, "password": "whatever"})

    assert response.status_code == 200
    assert "Wrong user name or password" in response.content.decode()
    assert AccessFailureLog.objects.get().username == "a" * 150


def test_any_other_way_into_axes_cuts_the_name_to_its_column(settings, owner):
    """The admin's own login form, or anything calling ``authenticate`` directly."""
    settings.AXES_ENABLED = True
    request = RequestFactory().post("/admin/login/", {"username": "b" * 400})
    request.session = Client().session

    assert authenticate(request, username="b" * 400, password="wrong") is None

    assert lockout_username(None, {"username": "b" * 400}) == "b" * AXES_USERNAME_MAX_LENGTH
    assert AccessFailureLog.objects.get().username == "b" * AXES_USERNAME_MAX_LENGTH
    assert not AccessLog.objects.exists()


def test_unlocking_a_login_as_long_as_axes_keeps_is_audited(operator):
    """The audit log's label column is 200 characters; axes keeps logins of up to 255."""
    from accounts.services.security import login_attempts_reset

    AccessAttempt.objects.create(
        username="c" * AXES_USERNAME_MAX_LENGTH,
        ip_address="203.0.113.9",
        user_agent="",
        http_accept="",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=10,
    )

    assert login_attempts_reset(actor=operator, attempts=AccessAttempt.objects.all()) == 1

    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.target_label == "c" * 200
    assert entry.after["login"] == "c" * AXES_USERNAME_MAX_LENGTH


# --- Sign-up ------------------------------------------------------------------------------------

SIGNUP = {
    "tenant_name": "Acme Shop",
    "slug": "acmeshop",
    "kind": "shop",
    "username": "boss",
    "email": "boss@example.com",
    "password1": STRONG,
    "password2": STRONG,
}
LONG_EMAIL = "a" * 250 + "@example.com"  # well-formed, longer than the 254 of the column


@pytest.mark.parametrize(
    "field, value",
    [("tenant_name", "店" * 101), ("slug", "a" * 32), ("username", "b" * 151), ("email", LONG_EMAIL)],
)
def test_sign_up_with_an_over_long_value(client, field, value):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, field: value})

    assert "at most" in refused(response, field)
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


INDIVIDUAL = {
    "username": "solo",
    "display_name": "Solo",
    "email": "solo@example.com",
    "password1": STRONG,
    "password2": STRONG,
}


@pytest.mark.parametrize("field, value", [("username", "b" * 151), ("display_name", "名" * 51), ("email", LONG_EMAIL)])
def test_individual_sign_up_with_an_over_long_value(client, field, value):
    response = client.post(reverse("accounts:signup_individual"), {**INDIVIDUAL, field: value})

    assert "at most" in refused(response, field)
    assert not User.objects.exists()


# --- The binding link ---------------------------------------------------------------------------


def test_binding_with_an_over_long_code(client, owner, org):
    staff, link = staff_services.staff_add(
        actor=owner,
        tenant=owner.tenant,
        display_name="Binder",
        account_name="binder",
        mobile="13912345679",
        department=org.east,
        position=org.clerk,
    )

    response = client.post(urlparse(link).path, {"code": "1" * LONG, "password1": STRONG, "password2": STRONG})

    refused(response, "code")
    assert User.objects.get(pk=staff.pk).status == User.Status.PENDING
    assert Invitation.objects.get(user=staff).accepted_at is None


def test_an_over_long_binding_token_is_the_invalid_link_page(client):
    assert client.get(reverse("accounts:bind", args=["t" * 5000])).status_code == 404


# --- Enrollment ----------------------------------------------------------------------------------

ENROLL = {
    "shop_name": "Shop",
    "product_id": "6512345678",
    "product_url": "https://item.example.com/6512345678",
    "title": "Wool socks",
    "price": "99.00",
    "proposed_commission_rate": "20",
    "merchant_contact": "Li 13700000000",
}


@pytest.mark.parametrize(
    "field, value",
    [
        ("shop_name", "店" * 1000),
        ("product_id", "6" * LONG),
        ("product_url", "https://item.example.com/" + "p" * 2000),
        ("title", "袜" * 1000),
        ("merchant_contact", "联" * 1000),
        ("price", "9" * LONG),
        ("proposed_commission_rate", "1" * LONG),
    ],
)
def test_enrollment_with_an_over_long_value(client, owner, field, value):
    open_campaign = campaign(owner, "Autumn sale", scope_whole_tenant=True)

    response = client.post(reverse("campaigns:enroll", args=[open_campaign.public_token]), {**ENROLL, field: value})

    refused(response, field)
    assert not EnrolledProduct.objects.exists()


# --- The buyer's chat ----------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("nickname", "买" * LONG), ("body", "问" * 20000)])
def test_buyer_chat_with_an_over_long_value(client, owner, field, value):
    group = ChatGroup.objects.create(tenant=owner.tenant, name="Pre-sales")
    data = {"group": group.pk, "nickname": "buyer", "body": "Hello", field: value}

    response = client.post(reverse("chat:shop", args=[owner.tenant.slug]), data)

    assert "at most" in refused(response, field)
    assert not Conversation.objects.exists()


# --- SCIM ----------------------------------------------------------------------------------------

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def scim(owner, org):
    _token, secret = scim_token_create(actor=owner, name="Okta", default_department=org.ops, default_position=org.clerk)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def post(path, data):
        response = client.post(f"/scim/v2/{path}", json.dumps(data), content_type="application/scim+json")
        response.data = response.json()
        return response

    return post


@pytest.mark.parametrize(
    "extra",
    [
        {"userName": "u" * LONG},
        {"displayName": "名" * LONG},
        {"externalId": "e" * LONG},
        {"name": {"givenName": "g" * LONG, "familyName": "Li"}},
        {"name": {"givenName": "Wei", "familyName": "f" * LONG}},
        {"emails": [{"value": "a" * 250 + "@example.com", "primary": True}]},
        {"phoneNumbers": [{"value": "1" * LONG}]},
    ],
)
def test_scim_user_with_an_over_long_value_is_a_400(scim, extra):
    before = User.objects.count()

    response = scim("Users", {"schemas": [USER], "userName": "liwei", "displayName": "Li Wei", **extra})

    assert response.status_code == 400, response.data
    assert User.objects.count() == before


@pytest.mark.parametrize("extra", [{"displayName": "部" * LONG}, {"externalId": "e" * LONG}])
def test_scim_group_with_an_over_long_value_is_a_400(scim, extra):
    from orgchart.models import Department

    before = Department.objects.count()

    response = scim("Groups", {"schemas": [GROUP], "displayName": "Provisioned", **extra})

    assert response.status_code == 400, response.data
    assert Department.objects.count() == before


# --- Every form field is limited ------------------------------------------------------------------

FORM_MODULES = [
    "accounts.forms",
    "accounts.views.security",
    "accounts.admin",
    "orgchart.forms",
    "staff.forms",
    "campaigns.forms",
    "scim.forms",
    "operations.forms",
    "chat.forms",
]
# Text fields that need no length limit, and why.
UNLIMITED = {
    # Passwords are hashed, never stored as typed; Django's validators judge them.
    "accounts.forms.SignUpForm.password1",
    "accounts.forms.SignUpForm.password2",
    "accounts.forms.IndividualSignUpForm.password1",
    "accounts.forms.IndividualSignUpForm.password2",
    "accounts.forms.BindForm.password1",
    "accounts.forms.BindForm.password2",
    "accounts.forms.LoginForm.password",
    "accounts.views.security.DisableForm.password",
    "accounts.admin.OperatorPasswordChangeForm.password1",
    "accounts.admin.OperatorPasswordChangeForm.password2",
    # Checked in clean_username against the column, after normalisation.
    "accounts.forms.LoginForm.username",
    # Search boxes: they only filter, nothing is written.
    "staff.forms.StaffFilterForm.q",
    "campaigns.forms.CampaignFilterForm.q",
    "campaigns.forms.ProductFilterForm.q",
    # Text columns without a limit.
    "campaigns.forms.CampaignForm.description",
    "operations.forms.TaskForm.description",
    # The hidden one-time key: anything but 32 hex digits is dropped.
    "operations.forms.OrderPlaceForm.submission",
    "operations.forms.TaskForm.submission",
    # A choice among the listed people and groups.
    "chat.forms.TransferForm.target",
}


def project_forms():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module_name:
                yield f"{module_name}.{name}", cls


def test_every_text_field_of_every_form_has_a_length_limit():
    unlimited = []
    for label, cls in project_forms():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.CharField) and not any(isinstance(v, MaxLengthValidator) for v in field.validators):
                unlimited.append(f"{label}.{name}")
    assert sorted(set(unlimited) - UNLIMITED) == []
    assert sorted(UNLIMITED - set(unlimited)) == [], "listed as unlimited but limited now: drop them from UNLIMITED"


def test_model_form_limits_are_the_columns(db):
    """A form's limit is never above the column it fills (a plain form next to a model field)."""
    from accounts.forms import IndividualSignUpForm, SignUpForm

    for form, field, column in [
        (SignUpForm, "tenant_name", Tenant._meta.get_field("name")),
        (SignUpForm, "slug", Tenant._meta.get_field("slug")),
        (SignUpForm, "username", User._meta.get_field("username")),
        (SignUpForm, "email", User._meta.get_field("email")),
        (IndividualSignUpForm, "username", User._meta.get_field("username")),
        (IndividualSignUpForm, "display_name", User._meta.get_field("display_name")),
        (IndividualSignUpForm, "email", User._meta.get_field("email")),
    ]:
        assert form.base_fields[field].max_length <= column.max_length, (form.__name__, field)
    assert AuditEntry._meta.get_field("actor_label").max_length >= User._meta.get_field("username").max_length


# --- Batch import -------------------------------------------------------------------------------


@pytest.mark.parametrize("column, value", [(0, "名" * LONG), (1, "a" * LONG), (2, "1" * LONG), (3, "部/" * LONG), (4, "岗" * LONG)])
def test_an_over_long_cell_in_a_staff_import_is_a_row_error(owner, org, column, value):
    from staff.services.imports import ImportRefused, staff_import
    from tests.staff.test_import import as_csv, row

    values = row(1, department="Sales/East", position="Clerk", mobile="15900000001")
    values[column] = value
    before = User.objects.count()

    with pytest.raises(ImportRefused) as refusal:
        staff_import(actor=owner, tenant=owner.tenant, raw=as_csv([values]), filename="staff.csv")

    assert refusal.value.preview.error_rows
    assert User.objects.count() == before

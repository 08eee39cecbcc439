import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from tests.factories import OwnerFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_owner(client):
    tenant = TenantFactory(slug="fresh", dingtalk_contact_name="", dingtalk_mobile="", dingtalk_completed_at=None)
    owner = OwnerFactory(tenant=tenant, username="fresh_owner")
    client.force_login(owner)
    return owner


@pytest.mark.parametrize("name", ["accounts:dashboard", "accounts:audit_log", "accounts:deliveries"])
def test_management_pages_redirect_to_the_dingtalk_form_until_it_is_filled(client, fresh_owner, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:dingtalk"))


@pytest.mark.parametrize("name", ["accounts:inbox", "accounts:password_change", "accounts:sessions", "accounts:dingtalk"])
def test_personal_pages_stay_reachable_before_the_dingtalk_info(client, fresh_owner, name):
    assert client.get(reverse(name)).status_code == 200


def test_filling_the_form_opens_the_pages_and_is_audited(client, fresh_owner):
    response = client.post(
        reverse("accounts:dingtalk") + "?next=" + reverse("accounts:audit_log"),
        {
            "dingtalk_contact_name": "Boss Wang",
            "dingtalk_mobile": "13912345678",
            "dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "dingtalk_secret": "SECsupersecretvalue",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:audit_log")
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    fresh_owner.tenant.refresh_from_db()
    assert fresh_owner.tenant.dingtalk_secret == "SECsupersecretvalue"
    entry = AuditEntry.objects.get(action="tenant.dingtalk_update")
    assert entry.after["mobile"] == "13912345678"
    assert "SECsupersecretvalue" not in str(entry.after) + str(entry.before)


def test_the_secret_is_never_rendered_and_an_empty_field_keeps_it(client, fresh_owner):
    url = reverse("accounts:dingtalk")
    data = {
        "dingtalk_contact_name": "Boss Wang",
        "dingtalk_mobile": "13912345678",
        "dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "dingtalk_secret": "SECsupersecretvalue",
    }
    client.post(url, data)

    page = client.get(url).content.decode()
    assert "SECsupersecretvalue" not in page
    assert "A robot secret is stored" in page

    client.post(url, {**data, "dingtalk_secret": "", "dingtalk_contact_name": "Boss Li"})
    fresh_owner.tenant.refresh_from_db()
    assert fresh_owner.tenant.dingtalk_secret == "SECsupersecretvalue"
    assert fresh_owner.tenant.dingtalk_contact_name == "Boss Li"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("dingtalk_mobile", "12345", "mainland China mobile"),
        ("dingtalk_webhook", "http://insecure.example/robot", "https://"),
        # The server POSTs to the webhook and shows the answer: only DingTalk's robot host (issue 15).
        ("dingtalk_webhook", "https://intranet.example/robot/send?access_token=x", "oapi.dingtalk.com"),
        ("dingtalk_webhook", "https://oapi.dingtalk.com.evil.example/robot/send", "oapi.dingtalk.com"),
        ("dingtalk_webhook", "https://user@oapi.dingtalk.com/robot/send", "oapi.dingtalk.com"),
        ("dingtalk_contact_name", "", "This field is required."),
    ],
)
def test_bad_dingtalk_info_is_refused_next_to_the_field(client, fresh_owner, field, value, message):
    data = {"dingtalk_contact_name": "Boss", "dingtalk_mobile": "13912345678", "dingtalk_webhook": ""}
    data[field] = value

    response = client.post(reverse("accounts:dingtalk"), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    fresh_owner.tenant.refresh_from_db()
    assert fresh_owner.tenant.dingtalk_completed_at is None
    assert not AuditEntry.objects.filter(action="tenant.dingtalk_update").exists()


def test_open_redirect_in_next_is_ignored(client, fresh_owner):
    response = client.post(
        reverse("accounts:dingtalk") + "?next=https://evil.example/",
        {"dingtalk_contact_name": "Boss", "dingtalk_mobile": "13912345678", "dingtalk_webhook": ""},
    )

    assert response["Location"] == reverse("accounts:dashboard")

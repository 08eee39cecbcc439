"""The SCIM provisioning settings page: the main account creates, sees once and revokes tokens."""

import pytest

from accounts.models import AuditEntry
from scim.models import ScimToken, hash_token
from scim.services import scim_token_create

from .conftest import ScimClient

pytestmark = pytest.mark.django_db


def test_owner_creates_a_token_and_sees_its_secret_once(client, owner, org):
    client.force_login(owner)

    response = client.post(
        "/settings/scim/", {"name": "Okta", "default_department": org.ops.pk, "default_position": org.clerk.pk}
    )

    assert response.status_code == 200
    token = ScimToken.objects.get(tenant=owner.tenant)
    secret = response.context["secret"]
    assert token.token_hash == hash_token(secret)
    assert secret in response.content.decode()
    assert (token.default_department, token.default_position, token.created_by) == (org.ops, org.clerk, owner)
    assert secret not in client.get("/settings/scim/").content.decode()
    assert ScimClient(client, secret).get("Users").status_code == 200


def test_a_name_in_use_is_refused_next_to_the_field(client, owner, org):
    scim_token_create(actor=owner, name="Okta")
    client.force_login(owner)

    response = client.post("/settings/scim/", {"name": "Okta", "default_department": org.ops.pk, "default_position": org.clerk.pk})

    assert response.status_code == 400
    assert "A token with this name already exists" in response.content.decode()
    assert ScimToken.objects.count() == 1


def test_a_token_without_default_department_and_position_is_refused_saying_why(client, owner, org):
    client.force_login(owner)

    response = client.post("/settings/scim/", {"name": "Okta"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "every new person they send is refused" in errors["default_department"][0]
    assert "every new person they send is refused" in errors["default_position"][0]
    assert not ScimToken.objects.exists()


def test_another_tenants_department_cannot_be_a_default(client, owner, org, other_org):
    client.force_login(owner)

    response = client.post("/settings/scim/", {"name": "Okta", "default_department": other_org.hq.pk})

    assert response.status_code == 400
    assert "default_department" in response.context["form"].errors
    assert not ScimToken.objects.exists()


def test_owner_revokes_a_token(client, owner, org):
    token, secret = scim_token_create(actor=owner, name="Okta")
    client.force_login(owner)

    response = client.post(f"/settings/scim/{token.pk}/revoke/", follow=True)

    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="scim.token_revoke", target_id=str(token.pk), actor=owner).exists()
    assert ScimClient(client, secret).get("Users").status_code == 401


def test_the_list_shows_only_ones_own_tokens_and_last_use(client, owner, org, other_owner):
    token, secret = scim_token_create(actor=owner, name="Okta")
    scim_token_create(actor=other_owner, name="Globex IdP")
    ScimClient(client, secret).get("Users")
    client.force_login(owner)

    page = client.get("/settings/scim/")

    assert [t.name for t in page.context["tokens"]] == ["Okta"]
    assert "Globex IdP" not in page.content.decode()
    assert "Never" not in page.content.decode()


def test_staff_cannot_open_the_page(client, plain_staff):
    client.force_login(plain_staff)

    assert client.get("/settings/scim/").status_code == 403


def test_the_token_list_costs_the_same_with_more_tokens(client, owner, org, django_assert_max_num_queries):
    client.force_login(owner)
    scim_token_create(actor=owner, name="First", default_department=org.ops, default_position=org.clerk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/settings/scim/")
    for n in range(8):
        scim_token_create(actor=owner, name=f"Token {n}", default_department=org.east, default_position=org.publisher)

    with django_assert_max_num_queries(len(few)):
        client.get("/settings/scim/")

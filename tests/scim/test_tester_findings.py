"""What a tester found after SCIM shipped (R-37): one login opens one account, people without a
mobile, defaults that cannot vanish, Chinese error details."""

import json

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from django.urls import reverse

from accounts.models import Invitation, Notification, User
from accounts.services.staff import staff_add, staff_update
from orgchart.models import Department, Position
from scim.services import account_name_for, scim_token_create

from .conftest import GROUP, PATCH, USER, new_user


def _activate(staff, password="Pass-word-123"):
    staff.set_password(password)
    staff.status = User.Status.ACTIVE
    staff.save()


def test_a_user_name_never_equals_another_accounts_login_name(scim, owner, org, plain_staff, west_staff):
    # plain_staff has a userName of its own, so its login name no longer shows up as a userName.
    assert scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "userName", "value": "plain@acme.test"}).status_code == 200
    # Another person cannot take plain_staff's login name as userName, in any case or width.
    for value in ("plain_staff", "PLAIN_STAFF", "ｐｌａｉｎ_ｓｔａｆｆ"):
        taken = scim.patch(f"Users/{west_staff.pk}", {"op": "replace", "path": "userName", "value": value})
        assert taken.status_code == 409, value
        assert str(plain_staff.pk) in taken.data["detail"]
    assert scim.post("Users", new_user("Plain_Staff")).status_code == 409
    _activate(plain_staff)
    _activate(west_staff, "Other-pass-456")
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="acme:plain_staff", password="Other-pass-456") is None
    assert authenticate(request, username="acme:plain_staff", password="Pass-word-123") == plain_staff
    # A full-width userName is stored as logins are, so the login typed either way finds it.
    assert scim.patch(f"Users/{west_staff.pk}", {"op": "replace", "path": "userName", "value": "Ｗｅｓｔ@acme.test"}).status_code == 200
    assert authenticate(request, username="acme:west@ACME.test", password="Other-pass-456") == west_staff


def test_a_new_login_name_is_never_another_accounts_user_name(scim, owner, org, plain_staff):
    assert scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "userName", "value": "Jane.Doe"}).status_code == 200
    # The provider's next person called jane.doe@… gets another login name.
    assert account_name_for(plain_staff.tenant, "jane.doe@contoso.com") == "jane.doe-2"
    assert account_name_for(plain_staff.tenant, "JANE.DOE") == "jane.doe-2"
    # The add-staff page refuses it too, next to the field.
    with pytest.raises(ValidationError) as refused:
        staff_add(
            actor=owner, tenant=owner.tenant, display_name="Jane", account_name="jane.doe", mobile="13900000077",
            department=org.ops, position=org.clerk, confirm_no_sms=True,
        )
    assert "account_name" in refused.value.message_dict
    assert not User.objects.filter(account_name="jane.doe").exists()


def test_a_person_without_a_mobile_waits_for_one_and_a_put_without_phones_keeps_it(scim, client, owner, org):
    created = scim.post("Users", new_user("jane@contoso.com"))  # Okta's create: no phoneNumbers
    assert created.status_code == 201
    staff = User.objects.get(pk=created.data["id"])
    assert staff.status == User.Status.PENDING and staff.mobile == ""
    assert not Invitation.objects.filter(user=staff).exists() and not Notification.objects.filter(recipient=staff).exists()
    client.force_login(owner)
    page = client.get(reverse("staff:detail", args=[staff.pk])).content.decode()
    assert 'data-testid="mobile-needed"' in page and reverse("staff:action", args=[staff.pk, "resend"]) not in page
    assert 'data-testid="mobile-needed"' in client.get(reverse("staff:list")).content.decode()
    resent = client.post(reverse("staff:action", args=[staff.pk, "resend"]), follow=True)
    said = [str(m) for m in resent.context["messages"]]
    assert any("no mobile" in m for m in said) and not any("was sent to" in m for m in said)
    assert not Invitation.objects.filter(user=staff).exists()

    # The owner enters the mobile by hand: the invitation goes to it.
    staff_update(actor=owner, staff=staff, display_name=staff.display_name, mobile="13900000088",
                 department=staff.department, position=staff.position, is_department_admin=False)
    assert Invitation.objects.usable().get(user=staff).mobile == "13900000088"
    # The provider's next PUT has no phoneNumbers: the mobile stays (absent is not "remove").
    put = scim.put(f"Users/{staff.pk}", new_user("jane@contoso.com", displayName="Jane Doe"))
    assert put.status_code == 200 and put.data["phoneNumbers"][0]["value"] == "13900000088"
    staff.refresh_from_db()
    assert staff.mobile == "13900000088" and staff.display_name == "Jane Doe"
    # An explicit empty list does remove it.
    assert scim.put(f"Users/{staff.pk}", new_user("jane@contoso.com", phoneNumbers=[])).status_code == 200
    staff.refresh_from_db()
    assert staff.mobile == ""


def test_a_tokens_default_department_or_position_cannot_be_deleted(scim, client, owner, org):
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Imported"})
    department = Department.objects.get(pk=group.data["id"])
    position = Position.objects.create(tenant=owner.tenant, name="Picker")
    scim_token_create(actor=owner, name="Entra", default_department=department, default_position=position)

    refused = scim.delete(f"Groups/{department.pk}")
    assert refused.status_code == 400 and "Entra" in refused.data["detail"]
    assert Department.objects.filter(pk=department.pk).exists()
    client.force_login(owner)
    said = client.post(reverse("orgchart:position_delete", args=[position.pk]), follow=True, headers={"Accept-Language": "zh-hans"})
    assert any("Entra" in str(m) and "默认" in str(m) for m in said.context["messages"])
    assert Position.objects.filter(pk=position.pk).exists()


def test_error_details_follow_accept_language(scim_token, client, plain_staff):
    headers = {"Authorization": f"Bearer {scim_token.secret}", "Accept-Language": "zh-CN"}

    def detail(method, path, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        response = getattr(client, method)(f"/scim/v2/{path}", **kwargs)
        assert response.status_code == 400, response.content
        return response.json()["detail"]

    assert detail("post", "Users", {"schemas": [USER], "userName": 5}) == "userName：请发送文本（JSON 字符串）。"
    assert detail("post", "Users", new_user("li", displayName="长" * 51)) == "displayName：最多 50 个字符。"
    assert detail("post", "Users", {"schemas": [USER]}) == "userName 为必填项：请发送一个值。"
    assert detail("get", "Users?filter=userName%20eq") == "filter：第 10 列处语法有误。"
    patch = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName[[", "value": "x"}]}
    assert "第 10 列处语法有误" in detail("patch", f"Users/{plain_staff.pk}", patch)


def test_slashes_a_client_adds_reach_the_endpoint_and_501s_are_no_errors(scim, plain_staff, caplog):
    for path in ("Users/", "/Users", f"Users/{plain_staff.pk}/", "ServiceProviderConfig/"):
        assert scim.get(path).status_code == 200, path
    assert scim.get("Users/").data["totalResults"] == 1
    assert scim.get("Nothing/").status_code == 404
    with caplog.at_level("INFO"):
        assert scim.get("Me").status_code == 501 and scim.post("Bulk", {}).status_code == 501
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_a_frozen_account_is_not_switched_on_silently_and_a_rehire_keeps_its_name(scim, plain_staff, west_staff):
    User.objects.filter(pk=plain_staff.pk).update(status=User.Status.FROZEN)
    refused = scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "active", "value": True})
    assert refused.status_code == 400 and "frozen" in refused.data["detail"]
    assert User.objects.get(pk=plain_staff.pk).status == User.Status.FROZEN
    # Changing something else of a frozen account still works.
    assert scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "displayName", "value": "P"}).status_code == 200

    name = west_staff.display_name
    assert name and scim.delete(f"Users/{west_staff.pk}").status_code == 204
    rehired = scim.post("Users", {"schemas": [USER], "userName": "west_staff", "active": True})
    assert rehired.status_code == 201 and rehired.data["id"] == str(west_staff.pk)
    assert User.objects.get(pk=west_staff.pk).display_name == name


def test_an_invitation_scim_sends_is_in_the_merchants_language(scim, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the site's language; the provider names none (details stay English)
    created = scim.post("Users", new_user("wang@contoso.com", phoneNumbers=[{"value": "13900000099", "type": "mobile"}]))
    assert created.status_code == 201
    invitation = Notification.objects.get(recipient_id=created.data["id"], kind=Notification.Kind.BINDING_INVITATION)
    assert "邀请" in invitation.subject, invitation.subject
    assert scim.post("Users", new_user("wang@contoso.com")).data["detail"].startswith("userName:")

"""Two sources of an account's state compose (R-15, R-18, R-37): the identity provider's
``active`` and the owner's freeze, offboarding and re-hire; ``active`` reports "can log in"."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services.freeze import staff_unfreeze
from accounts.services.staff import staff_offboard
from orgchart.models import Department

from .conftest import new_user

pytestmark = pytest.mark.django_db


def test_the_providers_active_false_disables_a_frozen_account_and_an_unfreeze_does_not_let_it_back(scim, owner, plain_staff):
    User.objects.filter(pk=plain_staff.pk).update(status=User.Status.FROZEN)
    url = f"Users/{plain_staff.pk}"
    assert scim.get(url).data["active"] is False  # frozen: cannot log in

    response = scim.patch(url, {"op": "replace", "path": "active", "value": False})

    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.DISABLED and not plain_staff.can_log_in
    with pytest.raises(ValidationError):
        staff_unfreeze(actor=owner, staff=plain_staff)
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.DISABLED


def test_offboarded_accounts_are_found_as_inactive_and_re_activated_as_the_same_account(scim, owner, org, plain_staff):
    staff_offboard(actor=owner, staff=plain_staff)

    found = scim.get("Users", filter='userName eq "plain_staff"').data
    assert found["totalResults"] == 1 and found["Resources"][0]["active"] is False
    assert scim.get("Users", filter="active eq false").data["totalResults"] == 1
    # Details of an offboarded person are not silently dropped: the provider is told to re-hire first.
    refused = scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "displayName", "value": "Someone"})
    assert refused.status_code == 400 and "re-hire" in refused.data["detail"]

    rehired = scim.patch(
        f"Users/{plain_staff.pk}",
        {"op": "replace", "value": {"active": True, "phoneNumbers": [{"value": "13900000077", "type": "mobile"}]}},
    )

    assert rehired.status_code == 200, rehired.data
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.PENDING and plain_staff.mobile == "13900000077"
    assert rehired.data["id"] == str(plain_staff.pk) and rehired.data["active"] is True


def test_a_department_of_only_resigned_people_can_be_deleted_over_scim(scim, owner, org, west_staff):
    staff_offboard(actor=owner, staff=west_staff)

    assert scim.delete(f"Groups/{org.west.pk}").status_code == 204

    assert not Department.objects.filter(pk=org.west.pk).exists()
    # Re-hired later, the person gets a department again (the token's default).
    again = scim.post("Users", new_user("west_staff"))
    assert again.status_code == 201 and again.data["id"] == str(west_staff.pk)
    west_staff.refresh_from_db()
    assert west_staff.department == org.ops


def test_e_mail_and_upn_user_names_get_a_login_and_keep_what_was_sent(scim, owner):
    first = scim.post("Users", new_user("Li.Wei@Contoso.com"))
    second = scim.post("Users", new_user("li.wei@example.org"))
    uuid = scim.post("Users", new_user("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))

    assert [r.status_code for r in (first, second, uuid)] == [201, 201, 201]
    assert first.data["userName"] == "Li.Wei@Contoso.com"
    logins = [User.objects.get(pk=r.data["id"]).username for r in (first, second, uuid)]
    assert logins == ["acme:li.wei", "acme:li.wei-2", "acme:3f2504e0-4f89-11d3-9a0c-03"]
    assert scim.post("Users", new_user("LI.WEI@contoso.com")).status_code == 409

"""What a tester found after SCIM shipped (R-37): one login opens one account, people without a
mobile, defaults that cannot vanish, Chinese error details."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from accounts.models import User
from accounts.services.staff import staff_add
from scim.services import account_name_for

from .conftest import new_user


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

"""Okta's SCIM 2.0 requests, replayed against the live server with the statuses Okta needs (R-37).

Every request below is written in the shape of Okta's "SCIM 2.0 protocol reference"
(developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20) and of the checks of its
provisioning test plan ("Okta SCIM 2.0 Spec Test", the Runscope suite Okta asks integrators to
pass), with Okta's default attribute shapes: the userName is the person's e-mail address, a
password and locale ride along, group members carry ``display``, groups are renamed with a
path-less replace that repeats the ``id``, users are updated by PUT and deactivated by PATCH.
"""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts.models import User
from orgchart.models import Department
from scim.services import scim_token_create
from tests.personas import org  # noqa: F401  (fixture)

from .replay import GROUP, USER, Replay, patch

pytestmark = pytest.mark.django_db(transaction=True)

USER_NAME = "test.user@okta.local"

# Protocol reference, "Determine if the User already exists" (also the test plan's connection test).
LOOKUP_BY_USER_NAME = ("GET", '/Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100', None, 200)
# Test plan, "Test Users endpoint": the list Okta imports from.
LIST_USERS = ("GET", "/Users?startIndex=1&count=100", None, 200)
# Test plan, "Check the User ID doesn't exist": a random id is a 404.
RANDOM_ID = ("GET", "/Users/010101001010101010", None, 404)
# Protocol reference, "Create the User".
CREATE_USER = (
    "POST",
    "/Users",
    {
        "schemas": [USER],
        "userName": USER_NAME,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": USER_NAME, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    },
    201,
    "user_id",
)
# Protocol reference, "Retrieve a specific User".
GET_USER = ("GET", "/Users/{user_id}", None, 200)
# Test plan, "Find the user by externalId".
LOOKUP_BY_EXTERNAL_ID = ("GET", '/Users?filter=externalId eq "00ujl29u0le5T6Aj10h7"', None, 200)
# Protocol reference, "Update a specific User (PUT)": the whole user, given name changed.
PUT_USER = (
    "PUT",
    "/Users/{user_id}",
    {
        "schemas": [USER],
        "id": "{user_id}",
        "userName": USER_NAME,
        "name": {"givenName": "Another", "familyName": "User"},
        "emails": [{"primary": True, "value": USER_NAME, "type": "work"}],
        "displayName": "Another User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    },
    200,
)
# Protocol reference, "Update a specific User (PUT)" after the Okta username changed.
RENAME_USER = ("PUT", "/Users/{user_id}", {**PUT_USER[2], "userName": "another.user@okta.local"}, 200)
# Protocol reference, "Update a specific User (PATCH)": deactivate and reactivate.
DEACTIVATE = ("PATCH", "/Users/{user_id}", patch({"op": "replace", "value": {"active": False}}), 200)
REACTIVATE = ("PATCH", "/Users/{user_id}", patch({"op": "replace", "value": {"active": True}}), 200)
# Protocol reference, "Create Groups".
CREATE_GROUP = ("POST", "/Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}, 201, "group_id")
# Protocol reference, "Retrieve Groups" and "Retrieve specific Groups".
LIST_GROUPS = ("GET", "/Groups?startIndex=1&count=100", None, 200)
FIND_GROUP = ("GET", '/Groups?filter=displayName eq "Test SCIMv2"&startIndex=1&count=100', None, 200)
GET_GROUP = ("GET", "/Groups/{group_id}", None, 200)
# Protocol reference, "Update a specific Group name": a path-less replace that repeats the id.
RENAME_GROUP = (
    "PATCH",
    "/Groups/{group_id}",
    patch({"op": "replace", "value": {"id": "{group_id}", "displayName": "Test SCIMv2 Renamed"}}),
    200,
)
# Protocol reference, "Update specific Group membership": add (with display) and remove by filter.
ADD_MEMBER = (
    "PATCH",
    "/Groups/{group_id}",
    patch({"op": "add", "path": "members", "value": [{"value": "{user_id}", "display": "another.user@okta.local"}]}),
    200,
)
REMOVE_MEMBER = ("PATCH", "/Groups/{group_id}", patch({"op": "remove", "path": 'members[value eq "{user_id}"]'}), 200)
# Group Push, "Update a specific Group (PUT)": the whole group with its members' display names.
PUSH_GROUP = (
    "PUT",
    "/Groups/{group_id}",
    {
        "schemas": [GROUP],
        "id": "{group_id}",
        "displayName": "Test SCIMv2 Renamed",
        "members": [{"value": "{user_id}", "display": "another.user@okta.local"}],
    },
    200,
)
# Protocol reference, "Delete a specific Group".
DELETE_GROUP = ("DELETE", "/Groups/{group_id}", None, 204)


def test_okta_provisions_updates_deactivates_and_pushes_groups(live_server, owner, org):  # noqa: F811
    _token, secret = scim_token_create(actor=owner, name="Okta", default_department=org.ops, default_position=org.clerk)
    okta = Replay(live_server, secret)

    assert okta.run([LOOKUP_BY_USER_NAME])[0]["totalResults"] == 0
    okta.run([LIST_USERS, RANDOM_ID])
    created, fetched = okta.run([CREATE_USER, GET_USER])
    assert created["userName"] == USER_NAME and fetched["active"] is True
    staff = User.objects.get(pk=created["id"])
    assert staff.account_name == "test.user" and staff.department == org.ops and staff.email == USER_NAME
    assert okta.run([LOOKUP_BY_USER_NAME])[0]["Resources"][0]["id"] == created["id"]
    assert okta.run([LOOKUP_BY_EXTERNAL_ID])[0]["totalResults"] == 1

    updated, renamed = okta.run([PUT_USER, RENAME_USER])
    assert updated["name"]["givenName"] == "Another" and renamed["userName"] == "another.user@okta.local"
    staff.refresh_from_db()
    assert staff.username == "acme:test.user"  # the login never changes ...
    staff.set_password("Pass-word-123")
    staff.status = User.Status.ACTIVE
    staff.save()
    request = RequestFactory().post("/accounts/login/")
    # ... and the person may also log in with what Okta calls them now.
    assert authenticate(request, username="acme:another.user@okta.local", password="Pass-word-123") == staff
    assert authenticate(request, username="acme:test.user", password="Pass-word-123") == staff

    assert okta.run([DEACTIVATE])[0]["active"] is False
    assert authenticate(request, username="acme:another.user@okta.local", password="Pass-word-123") is None
    assert okta.run([REACTIVATE])[0]["active"] is True

    okta.run([LIST_GROUPS, CREATE_GROUP, GET_GROUP])
    assert okta.run([FIND_GROUP])[0]["totalResults"] == 1
    assert okta.run([RENAME_GROUP])[0]["displayName"] == "Test SCIMv2 Renamed"
    added = okta.run([ADD_MEMBER])[0]
    assert [m["value"] for m in added["members"]] == [created["id"]]
    staff.refresh_from_db()
    assert staff.department.name == "Test SCIMv2 Renamed"

    removed = okta.run([REMOVE_MEMBER])[0]
    assert not removed.get("members")
    staff.refresh_from_db()
    assert staff.department == org.ops  # removal moves the person to the token's default department

    pushed = okta.run([PUSH_GROUP])[0]
    assert [m["value"] for m in pushed["members"]] == [created["id"]]
    okta.run([REMOVE_MEMBER, DELETE_GROUP])
    assert not Department.objects.filter(name="Test SCIMv2 Renamed").exists()

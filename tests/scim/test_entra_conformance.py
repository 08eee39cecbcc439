"""Microsoft Entra ID's SCIM requests, replayed against the live server with the statuses Entra needs (R-37).

Every request below is written in the shape of Microsoft's "Tutorial: Develop and plan
provisioning for a SCIM endpoint in Microsoft Entra ID" (learn.microsoft.com/entra/identity/
app-provisioning/use-scim-to-provision-users-and-groups), section "Example requests and
responses" (User operations, Group operations), and of the cases its SCIM Validator
(scimvalidator.microsoft.com) sends with Entra's default attribute mappings: the userName is a
UPN or a long generated name, PATCH comes with and without ``path`` and capitalised ops,
booleans may arrive as the strings ``"True"``/``"False"``, enterprise attributes Staffdesk does
not keep (manager, employeeNumber, costCenter, organization, division) are written and removed,
members are added and removed with ``"$ref": null``, and groups carry Microsoft's own schema URN.
"""

import pytest

from accounts.models import AuditEntry, User
from orgchart.models import Department
from scim.services import scim_token_create
from tests.personas import org  # noqa: F401  (fixture)

from .replay import ENTERPRISE, GROUP, USER, Replay, patch

pytestmark = pytest.mark.django_db(transaction=True)

UPN = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.onmicrosoft.com"

# Tutorial, the connection test ("Test Connection" queries a userName that does not exist).
TEST_CONNECTION = ("GET", '/Users?filter=userName eq "eb2c8c5d-0cbc-4b0d-a8a8-4bd93cfb4ab6"', None, 200)
# Tutorial, "User Operations" → "Create User".
CREATE_USER = (
    "POST",
    "/Users",
    {
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": UPN,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    },
    201,
    "user_id",
)
# Tutorial, "Get User", "Get User by query" and "Get User by query - Zero results".
GET_USER = ("GET", "/Users/{user_id}", None, 200)
BY_USER_NAME = ("GET", f'/Users?filter=userName eq "{UPN}"', None, 200)
BY_EXTERNAL_ID = ("GET", '/Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"', None, 200)
ZERO_RESULTS = ("GET", '/Users?filter=userName eq "non-existent user"', None, 200)
# Tutorial, "Update User [Multi-valued properties]".
UPDATE_MULTI = (
    "PATCH",
    "/Users/{user_id}",
    patch(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ),
    200,
)
# Tutorial, "Update User [Single-valued properties]": a userName change.
UPDATE_USER_NAME = (
    "PATCH",
    "/Users/{user_id}",
    patch({"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}),
    200,
)
# Validator, path-less replace of several attributes at once.
UPDATE_WITHOUT_PATH = (
    "PATCH",
    "/Users/{user_id}",
    patch({"op": "Replace", "value": {"displayName": "Updated Display", "name.givenName": "updatedGivenName"}}),
    200,
)
# Validator, enterprise attributes Entra maps by default, written and then removed.
ENTERPRISE_ADD = (
    "PATCH",
    "/Users/{user_id}",
    patch(
        {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-1001"},
        {"op": "Add", "path": f"{ENTERPRISE}:costCenter", "value": "CC-7"},
        {"op": "Add", "path": f"{ENTERPRISE}:organization", "value": "Contoso"},
        {"op": "Add", "path": f"{ENTERPRISE}:division", "value": "Retail"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "{user_id}"},
    ),
    200,
)
ENTERPRISE_REMOVE = (
    "PATCH",
    "/Users/{user_id}",
    patch(
        {"op": "Remove", "path": f"{ENTERPRISE}:manager"},
        {"op": "Remove", "path": f"{ENTERPRISE}:employeeNumber"},
        {"op": "Remove", "path": f"{ENTERPRISE}:costCenter"},
        {"op": "Remove", "path": f"{ENTERPRISE}:organization"},
        {"op": "Remove", "path": f"{ENTERPRISE}:division"},
    ),
    200,
)
# Tutorial, "Disable User"; and the string booleans Entra sends without the SCIM 2.0 compliance flag.
DISABLE = ("PATCH", "/Users/{user_id}", patch({"op": "Replace", "path": "active", "value": False}), 200)
ENABLE_AS_STRING = ("PATCH", "/Users/{user_id}", patch({"op": "Replace", "path": "active", "value": "True"}), 200)
DISABLE_AS_STRING = ("PATCH", "/Users/{user_id}", patch({"op": "Replace", "value": {"active": "False"}}), 200)
# Tutorial, "Delete User".
DELETE_USER = ("DELETE", "/Users/{user_id}", None, 204)
GONE_USER = ("GET", "/Users/{user_id}", None, 404)
# Tutorial, "Group Operations" → "Create Group" (with Microsoft's own schema URN).
CREATE_GROUP = (
    "POST",
    "/Groups",
    {
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
    },
    201,
    "group_id",
)
# Tutorial, "Get Group" and "Get Group by displayName".
GET_GROUP = ("GET", "/Groups/{group_id}?excludedAttributes=members", None, 200)
GROUP_BY_NAME = ("GET", '/Groups?excludedAttributes=members&filter=displayName eq "displayName"', None, 200)
# Tutorial, "Update Group [Non-member attributes]".
RENAME_GROUP = (
    "PATCH",
    "/Groups/{group_id}",
    patch({"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}),
    200,
)
# Tutorial, "Update Group [Add Members]" and "Update Group [Remove Members]".
ADD_MEMBER = ("PATCH", "/Groups/{group_id}", patch({"op": "Add", "path": "members", "value": [{"$ref": None, "value": "{user_id}"}]}), 200)
REMOVE_MEMBER = (
    "PATCH",
    "/Groups/{group_id}",
    patch({"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "{user_id}"}]}),
    200,
)
# Validator, the same removal echoing the member's display, and by a value filter in the path.
REMOVE_MEMBER_WITH_DISPLAY = (
    "PATCH",
    "/Groups/{group_id}",
    patch({"op": "Remove", "path": "members", "value": [{"value": "{user_id}", "display": "Updated Display"}]}),
    200,
)
REMOVE_MEMBER_BY_FILTER = ("PATCH", "/Groups/{group_id}", patch({"op": "Remove", "path": 'members[value eq "{user_id}"]'}), 200)
# Tutorial, "Delete Group".
DELETE_GROUP = ("DELETE", "/Groups/{group_id}", None, 204)


def test_entra_provisions_updates_disables_deletes_and_manages_groups(live_server, owner, org):  # noqa: F811
    _token, secret = scim_token_create(actor=owner, name="Entra", default_department=org.ops, default_position=org.clerk)
    entra = Replay(live_server, secret)

    assert entra.run([TEST_CONNECTION])[0]["totalResults"] == 0
    created = entra.run([CREATE_USER])[0]
    assert created["userName"] == UPN and created["active"] is True
    staff = User.objects.get(pk=created["id"])
    assert staff.department == org.ops and len(staff.account_name) <= 30
    assert entra.run([GET_USER])[0]["id"] == created["id"]
    assert entra.run([BY_USER_NAME])[0]["totalResults"] == 1
    assert entra.run([BY_EXTERNAL_ID])[0]["totalResults"] == 1
    assert entra.run([ZERO_RESULTS])[0]["totalResults"] == 0

    multi = entra.run([UPDATE_MULTI])[0]
    assert multi["emails"][0]["value"] == "updatedEmail@microsoft.com" and multi["name"]["familyName"] == "updatedFamilyName"
    renamed = entra.run([UPDATE_USER_NAME])[0]
    assert renamed["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    assert User.objects.get(pk=staff.pk).username == staff.username  # the login stays
    pathless = entra.run([UPDATE_WITHOUT_PATH])[0]
    assert pathless["displayName"] == "Updated Display" and pathless["name"]["givenName"] == "updatedGivenName"
    entra.run([ENTERPRISE_ADD, ENTERPRISE_REMOVE])

    assert entra.run([DISABLE])[0]["active"] is False
    assert entra.run([ENABLE_AS_STRING])[0]["active"] is True
    assert entra.run([DISABLE_AS_STRING])[0]["active"] is False
    assert User.objects.get(pk=staff.pk).status == User.Status.DISABLED
    entra.run([ENABLE_AS_STRING])

    entra.run([CREATE_GROUP, GET_GROUP])
    assert entra.run([GROUP_BY_NAME])[0]["totalResults"] == 1
    entra.run([RENAME_GROUP])
    group = Department.objects.get(pk=entra.ids["group_id"])
    for removal in (REMOVE_MEMBER, REMOVE_MEMBER_WITH_DISPLAY, REMOVE_MEMBER_BY_FILTER):
        entra.run([ADD_MEMBER])
        assert User.objects.get(pk=staff.pk).department == group
        # One effect in every form: the person moves to the token's default department (never a 200 that changed nothing).
        assert not entra.run([removal])[0].get("members"), removal
        assert User.objects.get(pk=staff.pk).department == org.ops, removal
    entra.run([DELETE_GROUP])

    entra.run([DELETE_USER, GONE_USER])
    assert User.objects.get(pk=staff.pk).status == User.Status.RESIGNED  # offboarded, history kept
    assert entra.run([BY_USER_NAME])[0]["totalResults"] == 0  # renamed since; and deleted
    # Re-hire: Entra creates the same person again; the same account comes back, with its history.
    again = entra.run([(*CREATE_USER[:2], {**CREATE_USER[2], "userName": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}, 201)])[0]
    assert again["id"] == created["id"] and again["active"] is True
    assert AuditEntry.objects.filter(target_id=created["id"], action="staff.offboard").exists()

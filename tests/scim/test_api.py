"""The SCIM endpoint keeps every rule the pages keep (R-37): tenant isolation, quota, depth,
unique names, delete-only-empty, offboarding, audit, and flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry, Invitation, User
from orgchart.models import Department
from scim.services import scim_token_create, scim_token_revoke
from tests.factories import StaffFactory
from tests.personas import hire

from .conftest import ENTERPRISE, ERROR, GROUP, STAFFDESK_GROUP, STAFFDESK_USER, ScimClient, new_user

pytestmark = pytest.mark.django_db


def assert_scim_error(response, status, scim_type=None):
    if not hasattr(response, "data"):
        response.data = response.json()
    assert response.status_code == status, response.data
    assert response["Content-Type"] == "application/scim+json"
    assert response.data["schemas"] == [ERROR]
    assert response.data["status"] == str(status)
    if scim_type:
        assert response.data["scimType"] == scim_type
    assert response.data["detail"]


# Authentication -------------------------------------------------------------------------------


def test_no_token_or_a_wrong_one_gets_401(client, scim_token):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {scim_token.secret}"}):
        response = client.get("/scim/v2/Users", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["schemas"] == [ERROR]


def test_a_revoked_token_gets_401_and_changes_nothing(client, owner, scim_token):
    scim = ScimClient(client, scim_token.secret)
    assert scim.get("Users").status_code == 200

    scim_token_revoke(actor=owner, token=scim_token)

    assert_scim_error(scim.get("Users"), 401)
    assert_scim_error(scim.post("Users", new_user()), 401)
    assert not User.objects.filter(account_name="liwei").exists()


def test_use_is_noted_as_last_used(scim, scim_token):
    assert scim_token.last_used_at is None

    scim.get("ServiceProviderConfig")

    scim_token.refresh_from_db()
    assert scim_token.last_used_at is not None


def test_post_needs_no_csrf_token(owner, org, scim_token):
    from django.test import Client

    scim = ScimClient(Client(enforce_csrf_checks=True), scim_token.secret)

    assert scim.post("Users", new_user()).status_code == 201


# Tenant isolation -----------------------------------------------------------------------------


def test_a_token_of_tenant_a_sees_nothing_of_tenant_b(scim, plain_staff, other_tenant_staff, other_org):
    users = scim.get("Users").data
    groups = scim.get("Groups").data

    assert [u["userName"] for u in users["Resources"]] == ["plain_staff"]
    assert "Globex HQ" not in [g["displayName"] for g in groups["Resources"]]
    assert scim.get("Users", filter='userName eq "zhangsan"').data["totalResults"] == 0
    assert_scim_error(scim.get(f"Users/{other_tenant_staff.pk}"), 404)
    assert_scim_error(scim.get(f"Groups/{other_org.hq.pk}"), 404)


def test_a_token_of_tenant_a_changes_nothing_of_tenant_b(scim, org, other_tenant_staff, other_org):
    staff_url, group_url = f"Users/{other_tenant_staff.pk}", f"Groups/{other_org.hq.pk}"

    assert_scim_error(scim.patch(staff_url, {"op": "replace", "path": "active", "value": False}), 404)
    assert_scim_error(scim.put(staff_url, new_user("zhangsan")), 404)
    assert_scim_error(scim.delete(staff_url), 404)
    assert_scim_error(scim.patch(group_url, {"op": "replace", "path": "displayName", "value": "Mine"}), 404)
    assert_scim_error(scim.delete(group_url), 404)
    # Nor can B's ids be used as references from A's resources.
    assert_scim_error(scim.post("Users", new_user(**{STAFFDESK_USER: {"departmentId": str(other_org.hq.pk)}})), 400)
    assert_scim_error(scim.post("Groups", {"schemas": [GROUP], "displayName": "X", STAFFDESK_GROUP: {"parentId": str(other_org.hq.pk)}}), 400)
    assert_scim_error(
        scim.post("Groups", {"schemas": [GROUP], "displayName": "X", "members": [{"value": str(other_tenant_staff.pk)}]}), 400
    )

    other_tenant_staff.refresh_from_db()
    assert other_tenant_staff.status == User.Status.ACTIVE
    assert other_tenant_staff.department == other_org.hq
    assert Department.objects.get(pk=other_org.hq.pk).name == "Globex HQ"
    assert not Department.objects.filter(name="X").exists()


# Users ----------------------------------------------------------------------------------------


def test_create_goes_through_the_add_staff_service(scim, owner, org):
    response = scim.post(
        "Users",
        new_user(
            externalId="okta-42",
            name={"familyName": "Li", "givenName": "Wei"},
            emails=[{"value": "li.wei@example.com", "type": "work", "primary": True}],
            phoneNumbers=[{"value": "+86 139-1234-5678", "type": "mobile"}],
            **{STAFFDESK_USER: {"departmentId": str(org.west.pk), "position": "Publisher"}},
        ),
    )

    assert response.status_code == 201, response.data
    assert response["Location"].endswith(f"/scim/v2/Users/{response.data['id']}")
    staff = User.objects.get(pk=response.data["id"])
    assert (staff.tenant, staff.kind, staff.status) == (owner.tenant, User.Kind.STAFF, User.Status.PENDING)
    assert (staff.account_name, staff.username, staff.mobile) == ("liwei", "acme:liwei", "13912345678")
    assert (staff.department, staff.position, staff.email) == (org.west, org.publisher, "li.wei@example.com")
    assert Invitation.objects.filter(user=staff).usable().exists()  # the invitation went out
    assert response.data["externalId"] == "okta-42"
    assert response.data[ENTERPRISE]["department"] == "Sales/West"
    assert response.data[STAFFDESK_USER] == {"departmentId": str(org.west.pk), "position": "Publisher"}
    entry = AuditEntry.objects.get(action="staff.add", target_id=str(staff.pk))
    assert entry.actor == owner
    assert entry.actor_label == "SCIM token “Okta”"


def test_create_uses_the_tokens_defaults_and_the_enterprise_department_path(scim, org):
    plain = scim.post("Users", new_user("plain"))
    by_path = scim.post("Users", new_user("bypath", **{ENTERPRISE: {"department": "Sales/East/East One"}}))

    assert User.objects.get(pk=plain.data["id"]).department == org.ops
    assert User.objects.get(pk=plain.data["id"]).position == org.clerk
    assert User.objects.get(pk=by_path.data["id"]).department == org.east_one


def test_the_51st_staff_account_is_a_scim_error_and_no_account(scim, owner, org):
    StaffFactory.create_batch(49, tenant=owner.tenant, department=org.ops, position=org.clerk)
    assert scim.post("Users", new_user("fiftieth")).status_code == 201

    response = scim.post("Users", new_user("fiftyfirst"))

    assert_scim_error(response, 400, "invalidValue")
    assert "quota is 50" in response.data["detail"]
    assert not User.objects.filter(account_name="fiftyfirst").exists()


def test_a_create_with_an_offboarded_persons_user_name_re_hires_the_same_account(scim, owner, org, plain_staff):
    from accounts.services.staff import staff_offboard

    staff_offboard(actor=owner, staff=plain_staff)

    response = scim.post("Users", new_user("plain_staff"))

    assert response.status_code == 201, response.data
    assert response.data["id"] == str(plain_staff.pk) and response.data["active"] is True
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.PENDING
    assert AuditEntry.objects.filter(target_id=str(plain_staff.pk), action="staff.offboard").exists()  # history kept
    assert_scim_error(scim.post("Users", new_user("plain_staff")), 409, "uniqueness")  # now live: taken


def test_bad_values_are_scim_errors_that_name_the_attribute(scim, org):
    cases = [
        (new_user("   "), "userName"),
        (new_user(emails=[{"value": "not-an-address"}]), "emails"),
        (new_user(**{STAFFDESK_USER: {"position": "Astronaut"}}), "position"),
        (new_user(**{ENTERPRISE: {"department": "Nowhere"}}), "department"),
        ({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}, "userName"),
    ]
    for payload, attribute in cases:
        response = scim.post("Users", payload)
        assert_scim_error(response, 400)
        assert attribute in response.data["detail"], response.data
    assert User.objects.filter(kind=User.Kind.STAFF).count() == 0


def test_malformed_json_is_invalid_syntax(client, scim_token):
    response = client.post(
        "/scim/v2/Users", data="{nope", content_type="application/scim+json", headers={"Authorization": f"Bearer {scim_token.secret}"}
    )
    assert_scim_error(response, 400, "invalidSyntax")


def test_patch_disables_enables_moves_and_is_audited(scim, owner, org, plain_staff):
    url = f"Users/{plain_staff.pk}"

    response = scim.patch(
        url,
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": f"{STAFFDESK_USER}:departmentId", "value": str(org.ops.pk)},
        {"op": "replace", "path": "displayName", "value": "Plain Renamed"},
    )

    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert (plain_staff.status, plain_staff.department, plain_staff.display_name) == (
        User.Status.DISABLED,
        org.ops,
        "Plain Renamed",
    )
    actions = set(AuditEntry.objects.filter(target_id=str(plain_staff.pk), actor_label="SCIM token “Okta”").values_list("action", flat=True))
    assert {"staff.update", "staff.disable"} <= actions

    assert scim.patch(url, {"op": "replace", "value": {"active": True}}).data["active"] is True
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.ACTIVE
    assert AuditEntry.objects.filter(action="staff.enable", target_id=str(plain_staff.pk)).exists()


def test_a_user_name_change_keeps_the_login_and_departments_cannot_be_dropped(scim, plain_staff, west_staff):
    url = f"Users/{plain_staff.pk}"

    renamed = scim.patch(url, {"op": "replace", "path": "userName", "value": "Other@Example.com"})
    assert renamed.status_code == 200 and renamed.data["userName"] == "Other@Example.com"
    assert scim.get("Users", filter='userName eq "other@example.com"').data["totalResults"] == 1
    # Another person cannot take a userName someone already has, in any letter case.
    taken = scim.patch(f"Users/{west_staff.pk}", {"op": "replace", "path": "userName", "value": "OTHER@example.com"})
    assert_scim_error(taken, 409, "uniqueness")
    assert_scim_error(scim.patch(url, {"op": "remove", "path": f"{STAFFDESK_USER}:departmentId"}), 400, "mutability")
    plain_staff.refresh_from_db()
    assert plain_staff.account_name == "plain_staff" and plain_staff.username.endswith(":plain_staff")


def test_put_replaces_and_keeps_supplementary_rights(scim, owner, org):
    staff = hire(owner, "rights", org.east, org.clerk, supplementary=["publish_campaigns"])

    response = scim.put(
        f"Users/{staff.pk}",
        new_user("rights", displayName="Rights Holder", phoneNumbers=[{"value": "13700000001"}], active=True),
    )

    assert response.status_code == 200, response.data
    staff.refresh_from_db()
    assert (staff.display_name, staff.mobile, staff.department) == ("Rights Holder", "13700000001", org.east)
    assert list(staff.user_permissions.values_list("codename", flat=True)) == ["publish_campaigns"]


def test_delete_offboards_the_account_and_keeps_it(scim, owner, plain_staff):
    response = scim.delete(f"Users/{plain_staff.pk}")

    assert response.status_code == 204
    plain_staff.refresh_from_db()
    assert plain_staff.status == User.Status.RESIGNED  # the account and its history stay
    assert AuditEntry.objects.filter(action="staff.offboard", target_id=str(plain_staff.pk), actor_label="SCIM token “Okta”").exists()
    assert_scim_error(scim.get(f"Users/{plain_staff.pk}"), 404)
    assert_scim_error(scim.delete(f"Users/{plain_staff.pk}"), 404)


# Filtering, sorting, paging -------------------------------------------------------------------


def test_filters_sorting_and_paging(scim, owner, org, plain_staff, west_staff, ops_staff):
    def names(**params):
        return [u["userName"] for u in scim.get("Users", **params).data["Resources"]]

    assert names(filter='userName eq "WEST_STAFF"') == ["west_staff"]
    assert names(filter='displayName co "staff"', sortBy="userName") == ["ops_staff", "plain_staff", "west_staff"]
    assert names(filter='displayName co "staff"', sortBy="userName", sortOrder="descending") == [
        "west_staff",
        "plain_staff",
        "ops_staff",
    ]
    assert names(filter=f'{STAFFDESK_USER}:departmentId eq "{org.ops.pk}"') == ["ops_staff"]
    assert names(filter='not (userName sw "p") and active eq true', sortBy="userName") == ["ops_staff", "west_staff"]
    assert names(filter='phoneNumbers[value pr]', sortBy="userName") == ["ops_staff", "plain_staff", "west_staff"]
    page = scim.get("Users", sortBy="userName", startIndex=2, count=1).data
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert [u["userName"] for u in page["Resources"]] == ["plain_staff"]
    assert scim.get("Users", count=0).data["Resources"] == []
    assert_scim_error(scim.get("Users", filter='userName eq'), 400, "invalidFilter")
    assert_scim_error(scim.get("Users", filter='shoeSize gt 3'), 400, "invalidFilter")
    assert_scim_error(scim.get("Users", filter='meta.lastModified gt "yesterday"'), 400, "invalidFilter")


def test_last_modified_filter_sees_changes_made_on_the_pages(scim, owner, org, plain_staff, west_staff):
    from django.utils import timezone

    from accounts.services.staff import staff_update

    cutoff = timezone.now()
    staff_update(
        actor=owner,
        staff=west_staff,
        display_name="West Moved",
        mobile=west_staff.mobile,
        department=org.ops,
        position=west_staff.position,
        is_department_admin=False,
    )

    found = scim.get("Users", filter=f'meta.lastModified gt "{cutoff.isoformat()}"').data

    assert [u["userName"] for u in found["Resources"]] == ["west_staff"]


def test_search_by_post(scim, plain_staff, org):
    users = scim.post(
        "Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'userName eq "plain_staff"', "attributes": ["userName"]},
    ).data
    everything = scim.post(".search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'displayName eq "Ops"'}).data

    assert users["Resources"] == [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": str(plain_staff.pk), "userName": "plain_staff"}]
    assert [r["id"] for r in everything["Resources"]] == [str(org.ops.pk)]


def test_query_counts_stay_flat_as_rows_grow(scim, owner, org, django_assert_max_num_queries):
    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert scim.get(path).status_code == 200
        return len(queries)

    hire(owner, "first", org.ops, org.clerk, bind=False)
    few_users, few_groups = cost("Users"), cost("Groups")
    for n in range(12):
        department = Department.objects.create(tenant=owner.tenant, name=f"Extra {n}", parent=None)
        StaffFactory(tenant=owner.tenant, department=department, position=org.clerk)

    with django_assert_max_num_queries(few_users):
        scim.get("Users")
    with django_assert_max_num_queries(few_groups):
        scim.get("Groups")
    assert scim.get("Users").data["totalResults"] == 13


# Groups ---------------------------------------------------------------------------------------


def test_group_tree_round_trips(scim, owner, org):
    created = scim.post("Groups", {"schemas": [GROUP], "displayName": "North", STAFFDESK_GROUP: {"parentId": str(org.sales.pk)}})

    assert created.status_code == 201, created.data
    north = Department.objects.get(pk=created.data["id"])
    assert (north.tenant, north.parent) == (owner.tenant, org.sales)
    assert created.data[STAFFDESK_GROUP] == {"parentId": str(org.sales.pk)}
    shown = scim.get(f"Groups/{north.pk}", attributes=f"displayName,{STAFFDESK_GROUP}:path").data
    assert shown[STAFFDESK_GROUP] == {"path": "Sales/North"}
    assert AuditEntry.objects.filter(action="department.create", target_id=str(north.pk), actor_label="SCIM token “Okta”").exists()

    moved = scim.patch(f"Groups/{north.pk}", {"op": "replace", "path": f"{STAFFDESK_GROUP}:parentId", "value": str(org.ops.pk)})
    renamed = scim.patch(f"Groups/{north.pk}", {"op": "replace", "path": "displayName", "value": "Nord"})

    assert moved.status_code == renamed.status_code == 200
    north.refresh_from_db()
    assert (north.name, north.parent) == ("Nord", org.ops)
    assert {"department.move", "department.rename"} <= set(
        AuditEntry.objects.filter(target_id=str(north.pk)).values_list("action", flat=True)
    )


def test_a_fourth_level_group_is_a_scim_error_and_no_department(scim, org):
    response = scim.post("Groups", {"schemas": [GROUP], "displayName": "Too deep", STAFFDESK_GROUP: {"parentId": str(org.east_one.pk)}})

    assert_scim_error(response, 400, "invalidValue")
    assert "at most 3 levels" in response.data["detail"]
    assert not Department.objects.filter(name="Too deep").exists()
    assert_scim_error(
        scim.patch(f"Groups/{org.sales.pk}", {"op": "replace", "path": f"{STAFFDESK_GROUP}:parentId", "value": str(org.ops.pk)}),
        400,
        "invalidValue",
    )


def test_a_duplicate_sibling_name_is_a_uniqueness_error(scim, org):
    response = scim.post("Groups", {"schemas": [GROUP], "displayName": "East", STAFFDESK_GROUP: {"parentId": str(org.sales.pk)}})

    assert_scim_error(response, 409, "uniqueness")
    assert Department.objects.filter(name="East").count() == 1


def test_only_an_empty_group_can_be_deleted(scim, org, plain_staff):
    response = scim.delete(f"Groups/{org.east.pk}")

    assert_scim_error(response, 400, "invalidValue")
    assert "East One" in response.data["detail"] and "Plain Staff" in response.data["detail"]
    assert Department.objects.filter(pk=org.east.pk).exists()

    assert scim.delete(f"Groups/{org.west.pk}").status_code == 204
    assert not Department.objects.filter(pk=org.west.pk).exists()
    assert AuditEntry.objects.filter(action="department.delete", target_id=str(org.west.pk), actor_label="SCIM token “Okta”").exists()


def test_adding_members_moves_staff_and_removing_from_the_default_department_is_refused(scim, org, plain_staff):
    added = scim.patch(f"Groups/{org.ops.pk}", {"op": "add", "path": "members", "value": [{"value": str(plain_staff.pk)}]})

    assert added.status_code == 200, added.data
    plain_staff.refresh_from_db()
    assert plain_staff.department == org.ops
    assert [m["value"] for m in added.data["members"]] == [str(plain_staff.pk)]

    removed = scim.patch(f"Groups/{org.ops.pk}", {"op": "remove", "path": f'members[value eq "{plain_staff.pk}"]'})

    assert_scim_error(removed, 400, "invalidValue")
    assert "default department" in removed.data["detail"]
    plain_staff.refresh_from_db()
    assert plain_staff.department == org.ops


def test_group_filters(scim, org, plain_staff):
    def names(**params):
        return sorted(g["displayName"] for g in scim.get("Groups", **params).data["Resources"])

    assert names(filter='displayName co "east"') == ["East", "East One"]
    assert names(filter=f'members[value eq "{plain_staff.pk}"]') == ["East"]
    assert names(filter=f'{STAFFDESK_GROUP}:parentId eq "{org.sales.pk}"') == ["East", "West"]


def test_discovery_describes_what_is_served(scim):
    config = scim.get("ServiceProviderConfig").data
    types = scim.get("ResourceTypes").data
    schemas = scim.get("Schemas").data

    assert config["patch"]["supported"] and config["filter"]["supported"] and config["sort"]["supported"]
    assert not config["bulk"]["supported"] and not config["etag"]["supported"]
    assert [t["endpoint"] for t in types["Resources"]] == ["/Users", "/Groups"]
    assert STAFFDESK_USER in [s["id"] for s in schemas["Resources"]]
    assert_scim_error(scim.get("Nonsense/here"), 404)
    assert_scim_error(scim.get("Users/abc"), 404)


def test_tokens_are_stored_hashed(owner, org):
    token, secret = scim_token_create(actor=owner, name="Entra")

    assert secret not in token.token_hash
    assert len(token.token_hash) == 64
    assert AuditEntry.objects.filter(action="scim.token_create", target_id=str(token.pk), actor=owner).exists()

"""What identity providers really send (Okta, Microsoft Entra ID, Feishu/DingTalk connectors) and
what a careless or hostile client sends: every answer is a SCIM response a person can act on,
never a 500 and never another tenant's data; every use of a token is in the audit log (R-37)."""

import datetime
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry, User
from scim.models import ScimReadSummary, ScimUserRecord
from scim.services import scim_token_revoke
from tests.factories import StaffFactory

from .conftest import ENTERPRISE, PATCH, STAFFDESK_USER, USER, new_user
from .test_api import assert_scim_error

pytestmark = pytest.mark.django_db

PYDANTIC_NOISE = ("validation error for", "errors.pydantic.dev", "[type=", "StaffUser", "DepartmentGroup")


def assert_readable(response):
    """A person reads the detail: it names the SCIM attribute, not our Python classes."""
    detail = response.data["detail"]
    assert not any(noise in detail for noise in PYDANTIC_NOISE), detail
    return detail


# Standard attributes Staffdesk does not store are ignored, not refused --------------------------


def test_okta_create_with_password_locale_and_groups_is_accepted(scim, owner):
    okta = new_user(
        "okta_liwei",
        externalId="00u1abcd",
        password="Secret-1234!",
        locale="zh-CN",
        groups=[],
        title="Clerk",
        name={"givenName": "伟", "familyName": "李", "formatted": "李伟", "middleName": ""},
        emails=[{"value": "liwei@example.com", "type": "work", "primary": True}],
    )

    response = scim.post("Users", okta)

    assert response.status_code == 201, response.data
    staff = User.objects.get(tenant=owner.tenant, account_name="okta_liwei")
    assert staff.email == "liwei@example.com"
    assert "password" not in response.data and "title" not in response.data
    assert not staff.has_usable_password() or not staff.check_password("Secret-1234!")


def test_entra_enterprise_attributes_we_do_not_store_are_ignored(scim, owner, org):
    entra = new_user(
        "entra_user",
        schemas=[USER, ENTERPRISE],
        preferredLanguage="zh-CN",
        addresses=[{"type": "work", "country": "CN", "primary": True}],
        **{ENTERPRISE: {"employeeNumber": "E-1", "manager": {"value": "x"}, "costCenter": "CC", "department": "Ops"}},
    )

    response = scim.post("Users", entra)

    assert response.status_code == 201, response.data
    assert User.objects.get(account_name="entra_user").department == org.ops


def test_entra_patch_of_unstored_standard_attributes_changes_nothing_else(scim, plain_staff):
    response = scim.patch(
        f"Users/{plain_staff.pk}",
        {"op": "Replace", "path": "title", "value": "Boss"},
        {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-7"},
        {"op": "Replace", "value": {"preferredLanguage": "en", "displayName": "Renamed"}},
    )

    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert plain_staff.display_name == "Renamed"


def test_an_attribute_no_schema_defines_is_still_refused_by_name(scim, plain_staff):
    created = scim.post("Users", new_user("typo_user", dispalyName="Typo"))
    patched = scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": "nosuch", "value": "x"})

    assert_scim_error(created, 400)
    assert "dispalyName" in created.data["detail"]
    assert_scim_error(patched, 400, "invalidPath")
    assert not User.objects.filter(account_name="typo_user").exists()


# Values too long or of the wrong type: a message naming the attribute ---------------------------


def test_too_long_values_are_refused_naming_the_attribute(scim, plain_staff):
    cases = [
        ({"op": "replace", "path": "displayName", "value": "长" * 500}, "displayName"),
        ({"op": "replace", "path": "externalId", "value": "x" * 5000}, "externalId"),
        ({"op": "replace", "path": "name.givenName", "value": "g" * 500}, "name.givenName"),
        ({"op": "replace", "path": "emails", "value": [{"value": "not-an-email", "primary": True}]}, "emails"),
    ]
    for operation, attribute in cases:
        response = scim.patch(f"Users/{plain_staff.pk}", operation)
        assert_scim_error(response, 400, "invalidValue")
        assert attribute in assert_readable(response), response.data
    assert ScimUserRecord.objects.filter(external_id__startswith="xxx").count() == 0


def test_too_long_values_in_a_create_are_refused_naming_the_attribute(scim):
    response = scim.post("Users", new_user("longext", externalId="e" * 1000))

    assert_scim_error(response, 400, "invalidValue")
    assert "externalId" in assert_readable(response)
    assert not User.objects.filter(account_name="longext").exists()


def test_a_number_where_a_string_is_declared_is_taken_as_its_digits(scim, plain_staff, org):
    response = scim.patch(f"Users/{plain_staff.pk}", {"op": "replace", "path": f"{STAFFDESK_USER}:departmentId", "value": org.sales.pk})

    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert plain_staff.department == org.sales


def test_too_long_group_name_names_the_attribute(scim, org):
    response = scim.patch(f"Groups/{org.ops.pk}", {"op": "replace", "path": "displayName", "value": "n" * 500})

    assert_scim_error(response, 400, "invalidValue")
    assert "displayName" in assert_readable(response)


# Paging and filters a client can push too far ---------------------------------------------------


def test_a_start_index_past_any_row_is_an_empty_page(scim, plain_staff):
    for start in ("99999999999999999999", "9223372036854775808", "1000"):
        response = scim.get("Users", startIndex=start)
        assert response.status_code == 200, response.data
        assert response.data["Resources"] == []
        assert response.data["totalResults"] == 1
        assert response.data["startIndex"] == int(start)


def test_a_huge_count_is_capped_and_a_zero_count_only_counts(scim, plain_staff, west_staff):
    capped = scim.get("Users", count="99999999999999999999")
    counted = scim.get("Users", count="0")

    assert capped.status_code == 200 and len(capped.data["Resources"]) == 2
    assert counted.data["totalResults"] == 2 and counted.data["Resources"] == []


def test_a_filter_with_too_many_comparisons_is_refused_not_a_500(scim, plain_staff):
    many = " or ".join(f'userName eq "u{i}"' for i in range(2000))

    response = scim.post("Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": many})

    assert_scim_error(response, 400, "invalidFilter")
    assert "comparisons" in response.data["detail"]


def test_a_filter_with_a_reasonable_number_of_comparisons_still_works(scim, plain_staff):
    some = " or ".join(f'userName eq "u{i}"' for i in range(40)) + ' or userName eq "plain_staff"'

    response = scim.get("Users", filter=some)

    assert response.status_code == 200, response.data
    assert response.data["totalResults"] == 1


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_413_in_scim(scim):
    response = scim.post("Users", new_user("bigbody", displayName="x" * 5000))

    assert_scim_error(response, 413)
    assert not User.objects.filter(account_name="bigbody").exists()


def test_an_id_that_is_not_a_number_is_a_missing_resource(scim):
    for path in ("Users/2819c223-7f76-453a-919d-413861904646", "Groups/abc", "Users/-1"):
        response = scim.get(path)
        assert_scim_error(response, 404)
        assert "resource" in response.data["detail"]


# Every use of a token is audited -----------------------------------------------------------------


def test_reads_are_summarised_per_token_and_hour_in_the_audit_log(scim, owner, plain_staff, west_staff, scim_token):
    scim.get("Users", filter='userName sw "p"')
    scim.get(f"Users/{plain_staff.pk}")
    scim.get("Groups")
    scim.post("Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 1})

    # Within the hour nothing reaches the audit log yet: the hour is counted.
    assert not AuditEntry.objects.filter(action="scim.read").exists()
    summary = ScimReadSummary.objects.get(token=scim_token)
    assert summary.reads == 4 and summary.filters == ['userName sw "p"']
    assert summary.paths == {"/scim/v2/Users": 1, f"/scim/v2/Users/{plain_staff.pk}": 1, "/scim/v2/Groups": 1, "/scim/v2/Users/.search": 1}
    ScimReadSummary.objects.filter(pk=summary.pk).update(hour=summary.hour - datetime.timedelta(hours=1))

    scim.get("ServiceProviderConfig")  # the first read of a later hour writes the earlier one

    reads = list(AuditEntry.objects.filter(tenant=owner.tenant, action="scim.read"))
    assert len(reads) == 1
    assert reads[0].after["reads"] == 4 and reads[0].after["results"] == summary.results
    assert reads[0].actor_label == "SCIM token “Okta”" and reads[0].actor_id == owner.pk
    scim_token_revoke(actor=owner, token=scim_token)  # revoking writes the last hour
    assert [e.after["reads"] for e in AuditEntry.objects.filter(action="scim.read").order_by("pk")] == [4, 1]


def test_query_counts_stay_flat_with_read_auditing(scim, owner, org, django_assert_max_num_queries):
    StaffFactory(tenant=owner.tenant, department=org.ops, position=org.clerk)
    scim.get("Users")
    with CaptureQueriesContext(connection) as few:
        scim.get("Users")
    for _n in range(10):
        StaffFactory(tenant=owner.tenant, department=org.ops, position=org.clerk)
    with django_assert_max_num_queries(len(few)):
        response = scim.get("Users")

    assert response.data["totalResults"] == 11
    assert ScimReadSummary.objects.get().reads == 3


# Odd but valid input ------------------------------------------------------------------------------


def test_entra_string_booleans_and_capitalised_ops(scim, plain_staff):
    off = scim.patch(f"Users/{plain_staff.pk}", {"op": "Replace", "path": "active", "value": "False"})
    plain_staff.refresh_from_db()
    assert off.status_code == 200 and plain_staff.status == User.Status.DISABLED
    on = scim.patch(f"Users/{plain_staff.pk}", {"op": "Replace", "value": {"active": "True"}})
    plain_staff.refresh_from_db()
    assert on.status_code == 200 and plain_staff.status != User.Status.DISABLED


def test_malformed_bodies_are_invalid_syntax(client, scim_token):
    headers = {"Authorization": f"Bearer {scim_token.secret}"}
    for body, content_type in ((b"{not json", "application/scim+json"), (b"[1, 2]", "application/json"), (b'{"a": "\xff"}', "application/scim+json")):
        response = client.post("/scim/v2/Users", data=body, content_type=content_type, headers=headers)
        response.data = json.loads(response.content)
        assert_scim_error(response, 400, "invalidSyntax")


def test_entra_writes_a_work_email_the_account_does_not_have_yet(scim, plain_staff):
    response = scim.patch(f"Users/{plain_staff.pk}", {"op": "Add", "path": 'emails[type eq "work"].value', "value": "pw@example.com"})

    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert plain_staff.email == "pw@example.com"


def test_entra_removes_a_member_by_value_array_into_the_default_department(scim, org, plain_staff):
    response = scim.patch(f"Groups/{org.east.pk}", {"op": "Remove", "path": "members", "value": [{"value": str(plain_staff.pk)}]})

    # A staff account always has one department: leaving one moves it to the token's default (Ops).
    assert response.status_code == 200, response.data
    plain_staff.refresh_from_db()
    assert plain_staff.department == org.ops
    moved = scim.patch(f"Groups/{org.sales.pk}", {"op": "Add", "path": "members", "value": [{"value": plain_staff.pk}]})
    assert moved.status_code == 200, moved.data
    plain_staff.refresh_from_db()
    assert plain_staff.department == org.sales


def test_a_mobile_sent_as_a_number_is_taken_as_its_digits(scim, owner):
    response = scim.post("Users", new_user("numphone", phoneNumbers=[{"value": 13912345670, "type": "mobile"}]))

    assert response.status_code == 201, response.data
    assert User.objects.get(tenant=owner.tenant, account_name="numphone").mobile == "13912345670"

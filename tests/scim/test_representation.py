"""SCIM resources serialised straight to dicts give the same bytes as scim2-models gave (issue 27).

The scim2-models path the API used until then is kept here, in this module only: each resource of
a rich set (SCIM-created accounts with the provider's entries, a changed mobile, names split and
not, every state, departments with and without members, parent and externalId) is rendered both
ways for a range of ``attributes``/``excludedAttributes`` and compared as JSON text, and whole list
and single-resource responses of the API are compared byte for byte.
"""

import re
from urllib.parse import urlencode

import pydantic
import pytest
from django.db.models import BooleanField, Case, Prefetch, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from scim2_models import Context, ListResponse, Meta, ResponseParameters

from accounts.models import User
from orgchart.models import Department
from scim import selectors
from scim.models import ScimUserRecord
from scim.resources import (
    GROUP_ATTRIBUTES,
    GROUP_FIELDS,
    USER_ATTRIBUTES,
    USER_FIELDS,
    group_representation,
    resource_paths,
    user_representation,
)
from scim.returned import shaped
from scim.schemas import (
    DepartmentMember,
    GroupResource,
    StaffdeskGroup,
    StaffdeskUser,
    StaffEmail,
    StaffEnterpriseUser,
    StaffName,
    StaffPhoneNumber,
    UserResource,
)
from tests.factories import StaffFactory
from tests.personas import hire
from utilities import encoding
from utilities.text import normalize_mobile

from .conftest import ENTERPRISE, GROUP, STAFFDESK_GROUP, STAFFDESK_USER, new_user

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


# The scim2-models path, as scim/resources.py and scim/selectors.py had it ------------------------


def old_provisioned_staff(tenant):
    return (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True)
        .exclude(scim_record__deleted_by_provider=True)
        .select_related("department", "position", "scim_record")
        .annotate(
            scim_last_modified=Coalesce("scim_record__last_modified", "date_joined"),
            scim_user_name=Coalesce(NullIf("scim_record__user_name", Value("")), "account_name"),
            scim_active=Case(
                When(status__in=(User.Status.ACTIVE, User.Status.PENDING), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def old_departments(tenant):
    members = (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True)
        .exclude(status=User.Status.RESIGNED)
        .only("pk", "display_name", "account_name", "username", "department_id")
        .order_by("account_name")
    )
    return (
        Department.objects.filter(tenant=tenant)
        .select_related("scim_record")
        .prefetch_related(Prefetch("staff", queryset=members, to_attr="scim_members"))
        .annotate(scim_last_modified=Coalesce("scim_record__last_modified", "created_at"))
    )
def _record(obj):
    try:
        return obj.scim_record
    except obj.__class__.scim_record.RelatedObjectDoesNotExist:
        return None


def _entries(stored, value, model, default_type):
    """The entry the identity provider sent for ``value`` if it is still the current one, else a plain one."""
    if not value:
        return None
    for entry in stored or []:
        if isinstance(entry, dict) and entry.get("value") == value:
            return [model.model_validate(entry)]
    return [model(value=value, type=default_type, primary=True)]


OLD_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def old_mainland_mobile(value):
    """``value`` as an 11-digit mainland mobile (``tel:``, ``+86``/``0086``, spaces, hyphens and
    brackets dropped), or ``""`` when it is not one."""
    digits = normalize_mobile(str(value).removeprefix("tel:")).replace("(", "").replace(")", "")
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    return digits if OLD_MAINLAND_MOBILE.match(digits) else ""


def _phones(stored, mobile):
    """The phone entries as the provider sent them while they still hold the account's mobile;
    after the mobile changed in Staffdesk, the mobile first and the provider's other numbers after."""
    stored = [e for e in stored or [] if isinstance(e, dict) and e.get("value")]
    if mobile and not any(old_mainland_mobile(e["value"]) == mobile for e in stored):
        stored = [{"value": mobile, "type": "mobile", "primary": True}] + [e for e in stored if not old_mainland_mobile(e["value"])]
    return [StaffPhoneNumber.model_validate(e) for e in stored] or None


def old_user_resource(staff, *, paths, base_url):
    """Return the SCIM User for a staff account read through ``selectors.provisioned_staff``."""
    record = _record(staff)
    resource = UserResource(
        id=str(staff.pk),
        external_id=(record.external_id or None) if record else None,
        user_name=(record.user_name if record and record.user_name else staff.account_name),
        display_name=staff.display_name or None,
        name=StaffName(family_name=staff.last_name or None, given_name=staff.first_name or None)
        if staff.first_name or staff.last_name
        else None,
        active=staff.status in (User.Status.ACTIVE, User.Status.PENDING),  # can log in (once bound)
        emails=_entries(record.emails if record else None, staff.email, StaffEmail, "work"),
        phone_numbers=_phones(record.phone_numbers if record else None, staff.mobile),
        meta=Meta(
            resource_type="User",
            created=staff.date_joined,
            last_modified=getattr(staff, "scim_last_modified", None) or (record.last_modified if record else staff.date_joined),
            location=base_url + reverse("scim_api:user", args=[staff.pk]),
        ),
    )
    resource[StaffEnterpriseUser] = StaffEnterpriseUser(department=paths.get(staff.department_id))
    resource[StaffdeskUser] = StaffdeskUser(
        department_id=str(staff.department_id) if staff.department_id else None,
        position=staff.position.name if staff.position_id else None,
        status=staff.status,
        login_name=staff.username,
    )
    return resource


def old_group_resource(department, *, paths, base_url):
    """Return the SCIM Group for a department read through ``selectors.departments``."""
    record = _record(department)
    members = getattr(department, "scim_members", None)
    resource = GroupResource(
        id=str(department.pk),
        external_id=(record.external_id or None) if record else None,
        display_name=department.name,
        members=[
            DepartmentMember(
                value=str(member.pk),
                ref=base_url + reverse("scim_api:user", args=[member.pk]),
                display=member.label,
            )
            for member in members
        ]
        or None
        if members is not None
        else None,
        meta=Meta(
            resource_type="Group",
            created=department.created_at,
            last_modified=getattr(department, "scim_last_modified", None) or department.created_at,
            location=base_url + reverse("scim_api:group", args=[department.pk]),
        ),
    )
    resource[StaffdeskGroup] = StaffdeskGroup(
        parent_id=str(department.parent_id) if department.parent_id else None,
        path=paths.get(department.pk),
    )
    return resource


# A rich set of resources ----------------------------------------------------------------------


@pytest.fixture
def rich(scim, owner, org, plain_staff, east_admin):
    """Accounts and departments in every shape the builders meet."""
    okta = scim.post(
        "Users",
        new_user(
            "test.user@okta.local",
            externalId="00ujl29u0le5T6Aj10h7",
            name={"givenName": "Test", "familyName": "User"},
            emails=[{"primary": True, "value": "test.user@okta.local", "type": "work", "display": "Work"}],
            phoneNumbers=[{"value": "+86 138 0013 8000", "type": "mobile", "primary": True}, {"value": "+1 555 0100", "type": "work"}],
            **{ENTERPRISE: {"department": "Sales/East"}, STAFFDESK_USER: {"position": "Publisher"}},
        ),
    ).data
    entra = scim.post(
        "Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "AdeleV@contoso.onmicrosoft.com",
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "name": {"familyName": "王"},
            "active": True,
            "emails": [{"value": "AdeleV@contoso.onmicrosoft.com", "type": "work", "primary": True}],
        },
    ).data
    scim.post("Users", new_user("no_extras", displayName="No Extras"))
    scim.patch(f"Users/{entra['id']}", {"op": "replace", "path": "active", "value": False})
    # Changed in Staffdesk after the provider wrote them: the stored entries no longer hold them.
    User.objects.filter(pk=okta["id"]).update(mobile="13900139000", email="new@example.com")
    # Entries not in the shape the services store: read through scim2-models as before.
    changed = scim.post("Users", new_user("odd_entries", emails=[{"value": "odd@example.com"}])).data
    ScimUserRecord.objects.filter(user_id=changed["id"]).update(
        emails=[{"value": "odd@example.com", "Type": "home", "primary": "true"}],
        phone_numbers=[{"value": 13700137000, "type": "mobile"}, {"value": "", "type": "work"}],
    )
    User.objects.filter(pk=changed["id"]).update(mobile="13700137000")
    hire(owner, "pending_person", org.west, org.clerk, bind=False)
    StaffFactory(tenant=owner.tenant, department=org.east_one, position=None, first_name="Given", last_name="")
    User.objects.filter(pk=StaffFactory(tenant=owner.tenant, department=org.ops, position=org.clerk).pk).update(status=User.Status.RESIGNED)
    north = scim.post("Groups", {"schemas": [GROUP], "displayName": "North", "externalId": "grp-1", STAFFDESK_GROUP: {"parentId": str(org.sales.pk)}}).data
    scim.patch(f"Groups/{north['id']}", {"op": "add", "path": "members", "value": [{"value": okta["id"]}, {"value": entra["id"]}]})
    scim.post("Groups", {"schemas": [GROUP], "displayName": "Empty"})
    return owner.tenant


PARAMETERS = [
    {},
    {"attributes": "userName"},
    {"attributes": "USERNAME,Meta.LastModified"},
    {"attributes": "emails.value,meta.created"},
    {"attributes": "emails,phoneNumbers.type"},
    {"attributes": "name.familyName"},
    {"attributes": "name"},
    {"attributes": "meta"},
    {"attributes": "id"},
    {"attributes": "externalId,active"},
    {"attributes": ENTERPRISE + ":department"},
    {"attributes": ENTERPRISE},
    {"attributes": "department"},
    {"attributes": "status"},
    {"attributes": "loginName,userName"},
    {"attributes": STAFFDESK_USER + ":status"},
    {"attributes": STAFFDESK_USER},
    {"attributes": STAFFDESK_USER + ":departmentId"},
    {"attributes": "displayName"},
    {"attributes": "members"},
    {"attributes": "members.display"},
    {"attributes": "members.value,displayName"},
    {"attributes": "path"},
    {"attributes": "parentId"},
    {"attributes": STAFFDESK_GROUP + ":path"},
    {"attributes": STAFFDESK_GROUP},
    {"excludedAttributes": "emails,meta"},
    {"excludedAttributes": "name.givenName,phoneNumbers.value"},
    {"excludedAttributes": ENTERPRISE},
    {"excludedAttributes": "id,schemas"},
    {"excludedAttributes": "department,position"},
    {"excludedAttributes": STAFFDESK_USER + ":departmentId," + STAFFDESK_USER + ":position"},
    {"excludedAttributes": "members"},
    {"excludedAttributes": "members.$ref,parentId"},
    {"excludedAttributes": "meta.location,meta.created,meta.lastModified,meta.resourceType"},
    {"attributes": "userName,displayName,status", "excludedAttributes": "displayName"},
    {"attributes": "members.display,path", "excludedAttributes": "members.value"},
]


def _parameters(model, params):
    try:
        return ResponseParameters[model].model_validate(params)
    except pydantic.ValidationError:
        return None


def _wanted(parameters):
    return [str(a) for a in parameters.attributes or []], [str(a) for a in parameters.excluded_attributes or []]


def test_every_resource_renders_as_scim2_models_rendered_it(rich):
    from scim.api import IDP_POLICY

    paths = selectors.department_paths(rich)
    locations = resource_paths(BASE)
    staff = list(old_provisioned_staff(rich).order_by("pk"))
    rows = list(selectors.provisioned_staff(rich).order_by("pk").values(*USER_FIELDS))
    departments = list(old_departments(rich).order_by("pk"))
    group_rows = list(selectors.departments(rich).order_by("pk").values(*GROUP_FIELDS))
    members = selectors.department_members(rich, [row["pk"] for row in group_rows])
    assert len(staff) == len(rows) >= 9 and len(departments) == len(group_rows) >= 7
    compared = 0
    with IDP_POLICY:
        for params in PARAMETERS:
            for model, objects, new_rows, old, new, table in (
                (
                    UserResource,
                    staff,
                    rows,
                    lambda obj: old_user_resource(obj, paths=paths, base_url=BASE),
                    lambda row: user_representation(row, paths=paths, locations=locations),
                    USER_ATTRIBUTES,
                ),
                (
                    GroupResource,
                    departments,
                    group_rows,
                    lambda obj: old_group_resource(obj, paths=paths, base_url=BASE),
                    lambda row: group_representation(row, members=members.get(row["pk"]), paths=paths, locations=locations),
                    GROUP_ATTRIBUTES,
                ),
            ):
                parameters = _parameters(model, params)
                if parameters is None:
                    continue
                for obj, row in zip(objects, new_rows, strict=True):
                    expected = old(obj).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)
                    got = shaped(new(row), table, *_wanted(parameters))
                    assert encoding.dumps(got) == encoding.dumps(expected), (params, obj)
                    compared += 1
    assert compared > 400


def _old_list(tenant, kind, params):
    from scim.api import IDP_POLICY

    paths = selectors.department_paths(tenant)
    model, objects, represent = (
        (UserResource, old_provisioned_staff(tenant), old_user_resource)
        if kind == "Users"
        else (GroupResource, old_departments(tenant), old_group_resource)
    )
    parameters = ResponseParameters[model].model_validate(params)
    with IDP_POLICY:
        resources = [represent(obj, paths=paths, base_url=BASE) for obj in objects.order_by("pk")]
        listing = ListResponse[model](total_results=len(resources), start_index=1, items_per_page=len(resources), resources=resources or None)
        payload = listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters)
        payload.setdefault("Resources", [])
        details = {
            r.id: r.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)
            for r in (resources if not params else resources[:1] + resources[-1:])
        }
    return payload, details


def test_list_and_detail_responses_are_byte_for_byte_as_before(scim, rich):
    for params in PARAMETERS:
        for kind, model in (("Users", UserResource), ("Groups", GroupResource)):
            if _parameters(model, params) is None:
                continue
            expected, expected_details = _old_list(rich, kind, params)
            query = f"?{urlencode(params)}" if params else ""
            listed = scim.client.get(f"/scim/v2/{kind}{query}", headers=scim.headers)
            assert listed.content.decode() == encoding.dumps(expected), params
            for pk, expected_one in expected_details.items():
                one = scim.client.get(f"/scim/v2/{kind}/{pk}{query}", headers=scim.headers)
                assert one.content.decode() == encoding.dumps(expected_one), (params, pk)


# What the rewritten reads must not show, and what they cost ---------------------------------------


def test_members_counts_and_searches_hold_no_one_of_another_tenant_nor_the_offboarded(
    scim, owner, org, plain_staff, other_tenant_staff, other_org
):
    resigned = StaffFactory(tenant=owner.tenant, department=org.ops, position=org.clerk)
    User.objects.filter(pk=resigned.pk).update(status=User.Status.RESIGNED)
    deleted = scim.post("Users", new_user("gone_by_provider")).data
    ScimUserRecord.objects.filter(user_id=deleted["id"]).update(deleted_by_provider=True)

    groups = scim.get("Groups", attributes="members,members.display,path,displayName").data["Resources"]
    members = {m["value"] for g in groups for m in g.get("members", [])}
    users = scim.get("Users", count=1).data
    searched = scim.post(".search", {"filter": 'userName eq "zhangsan"'}).data

    assert str(other_tenant_staff.pk) not in members and str(resigned.pk) in {u["id"] for u in scim.get("Users").data["Resources"]}
    assert str(resigned.pk) not in members and str(plain_staff.pk) in members
    assert "Globex HQ" not in {g["displayName"] for g in groups}
    assert users["totalResults"] == 2 and users["itemsPerPage"] == 1  # plain_staff and the offboarded one
    assert scim.get("Users", startIndex=5).data == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2,
        "startIndex": 5,
        "itemsPerPage": 0,
        "Resources": [],
    }
    assert searched["totalResults"] == 0
    assert scim.get(f"Users/{other_tenant_staff.pk}").status_code == 404
    assert scim.get(f"Users/{deleted['id']}").status_code == 404
    assert scim.get(f"Groups/{other_org.hq.pk}", attributes="members").status_code == 404


def test_a_page_costs_the_token_the_page_with_its_total_the_paths_and_the_read_count(
    scim, owner, org, plain_staff, django_assert_max_num_queries
):
    scim.get("Users")  # the hour's read summary exists
    # The token, the page with its total, the department paths (Users) or the members (Groups) or
    # the one row with its paths (detail), and the read summary locked and counted in a savepoint.
    for path in ("Users", "Groups", f"Users/{plain_staff.pk}"):
        with django_assert_max_num_queries(7):
            assert scim.get(path).status_code == 200

"""The SCIM resources Staffdesk serves, as scim2-models (pydantic) classes (RFC 7643).

Only attributes Staffdesk stores are declared, so /Schemas tells an identity provider exactly
what round-trips: a standard attribute we would silently drop is not offered at all.
"""

from typing import Annotated

from pydantic import ConfigDict, Field
from scim2_models import (
    URN,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

SCIM_CONTENT_TYPE = "application/scim+json"
# Feishu and DingTalk connectors send ids and mobiles as JSON numbers: take them as their digits.
NUMBERS_AS_TEXT = ConfigDict(coerce_numbers_to_str=True)
MAX_RESULTS = 200  # a tenant holds at most 50 staff and 100 departments


class StaffName(ComplexAttribute):
    """The split name (姓 and 名); ``displayName`` is the name Staffdesk shows."""

    family_name: Annotated[str | None, Field(max_length=150)] = None
    given_name: Annotated[str | None, Field(max_length=150)] = None


class StaffEmail(ComplexAttribute):
    # Checked as the account's e-mail field checks it (Django's validator), which accepts the
    # directory-internal domains identity providers use (Okta's own example is ``@okta.local``).
    value: Annotated[str | None, Field(max_length=254)] = None
    type: str | None = None
    primary: bool | None = None
    display: str | None = None


class StaffPhoneNumber(ComplexAttribute):
    model_config = NUMBERS_AS_TEXT

    value: Annotated[str | None, Field(max_length=50)] = None
    """A phone number as the provider sends it; the first mainland China mobile (11 digits starting
    with 13–19; ``tel:``, ``+86`` and spaces are accepted) is the account's mobile."""

    type: str | None = None
    primary: bool | None = None
    display: str | None = None


class StaffEnterpriseUser(Extension):
    """The enterprise extension's ``department``: the department's path, e.g. ``运营部/华东组``."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    department: str | None = None


class StaffdeskUser(Extension):
    """What a staff account has beyond the standard: its department by id, position and state."""

    model_config = NUMBERS_AS_TEXT

    __schema__ = URN("urn:staffdesk:params:scim:schemas:extension:2.0:User")

    department_id: Annotated[str | None, CaseExact.true] = None
    """The id of the Group (department) the account belongs to."""

    position: str | None = None
    """The name of the account's position (岗位) in Staffdesk."""

    status: Annotated[str | None, Mutability.read_only, Returned.request] = None
    """pending (awaiting binding), active, disabled or frozen."""

    login_name: Annotated[str | None, Mutability.read_only, Returned.request] = None
    """What the person types to log in: ``<tenant>:<account name>``."""


class StaffUser(Resource[AnyExtension]):
    """A staff account (员工账号)."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true, Field(max_length=200)] = None
    """What the identity provider calls the person (an e-mail address, a UPN, an account name).

    It may change; the login name (``<tenant>:<account name>``, R-10) is derived from it once and
    never changes, and the person can log in with either."""

    name: StaffName | None = None
    display_name: Annotated[str | None, Field(max_length=50)] = None
    active: bool | None = None
    emails: list[StaffEmail] | None = None
    phone_numbers: list[StaffPhoneNumber] | None = None


class DepartmentMember(ComplexAttribute):
    model_config = NUMBERS_AS_TEXT

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The id of a User (staff account) in this department."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    display: Annotated[str | None, Mutability.read_only, Returned.request] = None
    """The member's name; returned when asked for (``attributes=members.display``)."""


class StaffdeskGroup(Extension):
    """Where the department sits in the tree, so the org chart round-trips."""

    model_config = NUMBERS_AS_TEXT

    __schema__ = URN("urn:staffdesk:params:scim:schemas:extension:2.0:Group")

    parent_id: Annotated[str | None, CaseExact.true] = None
    """The id of the parent Group; empty for a top-level department. At most three levels."""

    path: Annotated[str | None, Mutability.read_only, Returned.request] = None
    """The names from the top, e.g. ``运营部/华东组``."""


class DepartmentGroup(Resource[AnyExtension]):
    """A department (部门). Its members are the staff accounts directly in it."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true, Field(max_length=100)] = None
    members: list[DepartmentMember] | None = None


UserResource = StaffUser[StaffEnterpriseUser | StaffdeskUser]
GroupResource = DepartmentGroup[StaffdeskGroup]
UserResource.__name__ = "User"
GroupResource.__name__ = "Group"


def resource_types():
    user = ResourceType.from_resource(UserResource)
    user.description = "Staff accounts"
    group = ResourceType.from_resource(GroupResource)
    group.description = "Departments"
    return [user, group]


def schemas(suggestions=None):
    """The Schema resources; ``suggestions`` (``{schema id: {attribute name: [values]}}``) become the
    attributes' ``canonicalValues`` (RFC 7643 §7: suggested values), so a client learns which
    departments and positions of the tenant exist instead of guessing."""
    suggestions = suggestions or {}
    found = []
    for model, name, description in (
        (UserResource, "User", "Staff account"),
        (StaffEnterpriseUser, "EnterpriseUser", "Enterprise User (department only)"),
        (StaffdeskUser, "StaffdeskUser", "Staffdesk staff account"),
        (GroupResource, "Group", "Department"),
        (StaffdeskGroup, "StaffdeskGroup", "Staffdesk department"),
    ):
        schema = model.to_schema()
        schema.name = name
        schema.description = description
        for attribute in schema.attributes or []:
            values = suggestions.get(schema.id, {}).get(attribute.name)
            if values:
                attribute.canonical_values = values
        found.append(schema)
    return found


def service_provider_config(documentation_uri=None):
    return ServiceProviderConfig(
        documentation_uri=documentation_uri,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token the main account creates under Settings → SCIM provisioning.",
                primary=True,
            )
        ],
    )


__all__ = [
    "MAX_RESULTS",
    "SCIM_CONTENT_TYPE",
    "DepartmentGroup",
    "GroupResource",
    "StaffEnterpriseUser",
    "StaffdeskGroup",
    "StaffdeskUser",
    "StaffUser",
    "UserResource",
    "resource_types",
    "schemas",
    "service_provider_config",
]

"""Staff accounts and departments as SCIM resources (reads only; writes are in services.py).

A resource is serialised straight from a row of ``values()`` to the dict the response carries,
every attribute in scim2-models' order and spelling; ``returned.shaped`` then applies the
``returned`` rules and ``attributes``/``excludedAttributes``. scim2-models (pydantic) only parses
what a client sends, and the current state a PATCH is applied to (``user_resource``).
"""

import re

from django.urls import reverse
from scim2_models import Context

from accounts.models import User
from utilities.text import normalize_mobile

from .returned import attribute_table
from .schemas import GroupResource, StaffEmail, StaffPhoneNumber, UserResource

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
STAFFDESK_USER = "urn:staffdesk:params:scim:schemas:extension:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
STAFFDESK_GROUP = "urn:staffdesk:params:scim:schemas:extension:2.0:Group"

USER_ATTRIBUTES = attribute_table(UserResource)
GROUP_ATTRIBUTES = attribute_table(GroupResource)

# What ``user_representation`` reads: ``selectors.provisioned_staff(...).values(*USER_FIELDS)``.
USER_FIELDS = (
    "pk",
    "date_joined",
    "account_name",
    "username",
    "display_name",
    "first_name",
    "last_name",
    "status",
    "email",
    "mobile",
    "department_id",
    "position__name",
    "scim_record__external_id",
    "scim_record__emails",
    "scim_record__phone_numbers",
    "scim_user_name",
    "scim_last_modified",
)
# What ``group_representation`` reads: ``selectors.departments(...).values(*GROUP_FIELDS)``.
GROUP_FIELDS = ("pk", "name", "parent_id", "created_at", "scim_record__external_id", "scim_last_modified")

ACTIVE_STATUSES = frozenset((User.Status.ACTIVE, User.Status.PENDING))  # can log in (once bound)


def timestamp(value):
    """``value`` (an aware datetime) as scim2-models writes a DateTime: ISO 8601, UTC as ``Z``."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _entry(model, entry):
    """A stored multi-valued entry as the response writes it; one not in the shape the services
    store (``model_dump(exclude_none=True)``: value, type, primary, display) is read through
    ``model`` as before."""
    for key, value in entry.items():
        if value is not None and ENTRY_TYPES.get(key) is not type(value):
            return model.model_validate(entry).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return {key: entry[key] for key in ENTRY_TYPES if entry.get(key) is not None}


ENTRY_TYPES = {"value": str, "type": str, "primary": bool, "display": str}


def _emails(stored, value):
    """The entry the identity provider sent for ``value`` if it is still the current one, else a plain one."""
    if not value:
        return None
    for entry in stored or []:
        if isinstance(entry, dict) and entry.get("value") == value:
            return [_entry(StaffEmail, entry)]
    return [{"value": value, "type": "work", "primary": True}]


MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def mainland_mobile(value):
    """``value`` as an 11-digit mainland mobile (``tel:``, ``+86``/``0086``, spaces, hyphens and
    brackets dropped), or ``""`` when it is not one."""
    digits = normalize_mobile(str(value).removeprefix("tel:")).replace("(", "").replace(")", "")
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    return digits if MAINLAND_MOBILE.match(digits) else ""


def _phones(stored, mobile):
    """The phone entries as the provider sent them while they still hold the account's mobile;
    after the mobile changed in Staffdesk, the mobile first and the provider's other numbers after."""
    stored = [e for e in stored or [] if isinstance(e, dict) and e.get("value")]
    if mobile and not any(mainland_mobile(e["value"]) == mobile for e in stored):
        stored = [{"value": mobile, "type": "mobile", "primary": True}] + [e for e in stored if not mainland_mobile(e["value"])]
    return [_entry(StaffPhoneNumber, e) for e in stored] or None


def _without_none(values):
    return {key: value for key, value in values.items() if value is not None}


def resource_paths(base_url):
    """``(users, groups)``: the addresses a resource's ``meta.location`` and a member's ``$ref``
    start with, e.g. ``https://x.example/scim/v2/Users/``; one ``reverse`` per request, not per row."""
    return base_url + reverse("scim_api:users") + "/", base_url + reverse("scim_api:groups") + "/"


def user_representation(row, *, paths, locations):
    """The SCIM User (a dict, every attribute, request-only ones included) for a row of
    ``values(*USER_FIELDS)``; ``paths`` is ``selectors.department_paths``, ``locations`` is
    ``resource_paths``."""
    pk = row["pk"]
    resource = {"schemas": [CORE_USER, ENTERPRISE_USER, STAFFDESK_USER], "id": str(pk)}
    if row["scim_record__external_id"]:
        resource["externalId"] = row["scim_record__external_id"]
    resource["meta"] = {
        "resourceType": "User",
        "created": timestamp(row["date_joined"]),
        "lastModified": timestamp(row["scim_last_modified"]),
        "location": f"{locations[0]}{pk}",
    }
    resource["userName"] = row["scim_user_name"]
    if row["first_name"] or row["last_name"]:
        resource["name"] = _without_none({"familyName": row["last_name"] or None, "givenName": row["first_name"] or None})
    if row["display_name"]:
        resource["displayName"] = row["display_name"]
    resource["active"] = row["status"] in ACTIVE_STATUSES
    emails = _emails(row["scim_record__emails"], row["email"])
    if emails:
        resource["emails"] = emails
    phones = _phones(row["scim_record__phone_numbers"], row["mobile"])
    if phones:
        resource["phoneNumbers"] = phones
    department = paths.get(row["department_id"])
    if department is not None:
        resource[ENTERPRISE_USER] = {"department": department}
    resource[STAFFDESK_USER] = _without_none(
        {
            "departmentId": str(row["department_id"]) if row["department_id"] else None,
            "position": row["position__name"],
            "status": row["status"],
            "loginName": row["username"],
        }
    )
    return resource


def group_representation(row, *, members, paths, locations):
    """The SCIM Group (a dict, every attribute, request-only ones included) for a row of
    ``values(*GROUP_FIELDS)``; ``members`` are its ``(id, label)`` pairs (``selectors.department_members``),
    ``paths`` is ``selectors.department_paths`` or ``{}`` when ``path`` is not returned."""
    pk = row["pk"]
    resource = {"schemas": [CORE_GROUP, STAFFDESK_GROUP], "id": str(pk)}
    if row["scim_record__external_id"]:
        resource["externalId"] = row["scim_record__external_id"]
    resource["meta"] = {
        "resourceType": "Group",
        "created": timestamp(row["created_at"]),
        "lastModified": timestamp(row["scim_last_modified"]),
        "location": f"{locations[1]}{pk}",
    }
    resource["displayName"] = row["name"]
    if members:
        resource["members"] = [{"value": str(member), "$ref": f"{locations[0]}{member}", "display": label} for member, label in members]
    extension = _without_none({"parentId": str(row["parent_id"]) if row["parent_id"] else None, "path": paths.get(pk)})
    if extension:
        resource[STAFFDESK_GROUP] = extension
    return resource


def as_model(model, representation):
    """The ``model`` (``UserResource`` or ``GroupResource``) object holding ``representation``, for
    PUT and PATCH to work on: scim2-models parses it as it parses what a client sends."""
    schemas = representation["schemas"][:1] + [s for s in representation["schemas"][1:] if s in representation]
    return model.model_validate({**representation, "schemas": schemas})

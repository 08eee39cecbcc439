"""Staff accounts and departments as SCIM resources (reads only; writes are in services.py)."""

import re

from django.urls import reverse
from scim2_models import Meta

from accounts.models import User
from utilities.text import normalize_mobile

from .schemas import (
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
    return [StaffPhoneNumber.model_validate(e) for e in stored] or None


def user_resource(staff, *, paths, base_url):
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


def group_resource(department, *, paths, base_url):
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

"""What a token's tenant holds, as SCIM sees it: one place scopes every SCIM read (STYLE 1)."""

from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

from accounts.models import User
from orgchart.models import Department

from .filters import Column


def provisioned_staff(tenant):
    """The tenant's staff accounts SCIM manages: all but the temporary (R-20) and those the
    identity provider deleted.

    Offboarded accounts (R-15) stay findable as ``active: false``, so a provider that looks a
    re-hired person up finds the same account and re-activates it. One the provider deleted
    answers 404 (RFC 7644 §3.6) until it creates the same userName again. ``scim_user_name`` is
    the provider's userName where it sent one that is not the account name, else the account name.
    """
    return (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True)
        .exclude(scim_record__deleted_by_provider=True)
        .select_related("department", "position", "scim_record")
        .annotate(
            scim_last_modified=Coalesce("scim_record__last_modified", "date_joined"),
            scim_user_name=Coalesce(NullIf("scim_record__user_name", Value("")), "account_name"),
            scim_active=Case(
                When(status__in=ACTIVE_STATUSES, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


# What SCIM reports as ``active: true``: the person can log in (a pending account as soon as it binds).
ACTIVE_STATUSES = (User.Status.ACTIVE, User.Status.PENDING)


def departments(tenant):
    """The tenant's departments (their members: ``department_members``)."""
    return (
        Department.objects.filter(tenant=tenant)
        .select_related("scim_record")
        .annotate(scim_last_modified=Coalesce("scim_record__last_modified", "created_at"))
    )


def department_paths(tenant):
    """``{department id: "运营部/华东组"}`` for the whole tenant in one query (at most 100 rows, R-41)."""
    rows = Department.objects.filter(tenant=tenant).order_by("tree_id", "lft").values_list("pk", "parent_id", "name")
    paths = {}
    for pk, parent_id, name in rows:  # parents come before their children in tree order
        paths[pk] = f"{paths[parent_id]}/{name}" if parent_id in paths else name
    return paths


CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User:"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
STAFFDESK_USER = "urn:staffdesk:params:scim:schemas:extension:2.0:User:"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group:"
STAFFDESK_GROUP = "urn:staffdesk:params:scim:schemas:extension:2.0:Group:"


def _member_of(query):
    """Departments having a (not offboarded) staff account that matches ``query``."""
    staff = User.objects.filter(query, kind=User.Kind.STAFF).exclude(status=User.Status.RESIGNED)
    return Q(pk__in=staff.values("department_id"))


USER_COLUMNS = {
    CORE_USER + "id": Column("pk", "int"),
    CORE_USER + "externalId": Column("scim_record__external_id", "exact"),
    CORE_USER + "userName": Column("scim_user_name"),
    CORE_USER + "displayName": Column("display_name"),
    CORE_USER + "name.formatted": Column("display_name"),
    CORE_USER + "name.givenName": Column("first_name"),
    CORE_USER + "name.familyName": Column("last_name"),
    CORE_USER + "emails.value": Column("email"),
    CORE_USER + "phoneNumbers.value": Column("mobile"),
    CORE_USER + "active": Column("scim_active", "bool"),
    CORE_USER + "meta.created": Column("date_joined", "datetime"),
    CORE_USER + "meta.lastModified": Column("scim_last_modified", "datetime"),
    ENTERPRISE_USER + "department": Column("department__name"),
    STAFFDESK_USER + "departmentId": Column("department_id", "int"),
    STAFFDESK_USER + "position": Column("position__name"),
    STAFFDESK_USER + "status": Column("status"),
}

GROUP_COLUMNS = {
    CORE_GROUP + "id": Column("pk", "int"),
    CORE_GROUP + "externalId": Column("scim_record__external_id", "exact"),
    CORE_GROUP + "displayName": Column("name"),
    CORE_GROUP + "members.value": Column("pk", "int", subquery=_member_of),
    CORE_GROUP + "meta.created": Column("created_at", "datetime"),
    CORE_GROUP + "meta.lastModified": Column("scim_last_modified", "datetime"),
    STAFFDESK_GROUP + "parentId": Column("parent_id", "int"),
}


def schema_suggestions(tenant):
    """``{schema id: {attribute: [values]}}``: the tenant's departments and positions as the
    canonical values of the attributes that name them (at most 100 departments, R-41)."""
    from orgchart.models import Position

    paths = department_paths(tenant)
    ids = [str(pk) for pk in paths]
    # A new department goes at most three levels deep: only the top two levels can be parents.
    parents = [str(pk) for pk in Department.objects.filter(tenant=tenant, level__lt=2).order_by("tree_id", "lft").values_list("pk", flat=True)]
    positions = list(Position.objects.filter(tenant=tenant).order_by("name").values_list("name", flat=True))
    return {
        ENTERPRISE_USER.rstrip(":"): {"department": list(paths.values())},
        STAFFDESK_USER.rstrip(":"): {"departmentId": ids, "position": positions},
        STAFFDESK_GROUP.rstrip(":"): {"parentId": parents},
    }


def department_members(tenant, department_ids):
    """``{department id: [(staff id, label), …]}``: the direct, provisioned members of the given
    departments, by account name, in one query (the label is the name people know them by)."""
    rows = (
        User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, temporary_ends_at__isnull=True, department_id__in=department_ids)
        .exclude(status=User.Status.RESIGNED)
        .order_by("account_name", "pk")
        .values_list("department_id", "pk", "display_name", "account_name", "username")
    )
    members = {}
    for department_id, pk, display_name, account_name, username in rows:
        members.setdefault(department_id, []).append((pk, display_name or account_name or username))
    return members

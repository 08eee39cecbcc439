"""Data scope (R-5, R-8): which departments a staff account oversees, kept as group memberships.

Each department owns an auth ``Group`` holding the admins of that department and of every
department above it. Object grants for campaigns and products (django-guardian) point at these
groups, so changing an admin flag or moving a department rewrites a handful of memberships,
never the grants themselves.
"""

import uuid

from django.contrib.auth.models import Group
from django.db.models import Q

from accounts.models import User

from .models import Department


def new_admin_group(tenant):
    return Group.objects.create(name=f"dept-admins:{tenant.pk}:{uuid.uuid4().hex}")


def subtree_filter(department, prefix="department__"):
    """A ``Q`` matching rows whose department lies in ``department``'s subtree (itself included)."""
    return Q(
        **{
            f"{prefix}tree_id": department.tree_id,
            f"{prefix}lft__gte": department.lft,
            f"{prefix}rght__lte": department.rght,
        }
    )


def admin_departments(user):
    """Return the departments whose subtree ``user`` oversees as department admin (0 or 1 root)."""
    if not (user.is_staff_account and user.is_department_admin and user.department_id):
        return Department.objects.none()
    return Department.objects.filter(pk=user.department_id)


def sync_admin_groups(tenant):
    """Make every department's admin group hold exactly the admins at or above it.

    One pass over the tenant's departments and admins (a tenant has at most ~100 and 50), then a
    bulk diff of the membership rows. Call it after any change of tree shape, admin flag,
    department or status.
    """
    departments = list(Department.objects.filter(tenant=tenant).only("pk", "tree_id", "lft", "rght", "admin_group_id"))
    admins = list(
        User.objects.filter(
            tenant=tenant,
            kind=User.Kind.STAFF,
            is_department_admin=True,
            department__isnull=False,
        )
        .exclude(status=User.Status.RESIGNED)
        .select_related("department")
        .only("pk", "department__tree_id", "department__lft", "department__rght")
    )
    wanted = set()
    for department in departments:
        if department.admin_group_id is None:
            continue
        for admin in admins:
            above = admin.department
            if (
                above.tree_id == department.tree_id
                and above.lft <= department.lft
                and above.rght >= department.rght
            ):
                wanted.add((admin.pk, department.admin_group_id))
    group_ids = [d.admin_group_id for d in departments if d.admin_group_id]
    through = User.groups.through
    existing = set(through.objects.filter(group_id__in=group_ids).values_list("user_id", "group_id"))
    stale = existing - wanted
    if stale:
        condition = Q()
        for user_id, group_id in stale:
            condition |= Q(user_id=user_id, group_id=group_id)
        through.objects.filter(condition).delete()
    missing = wanted - existing
    if missing:
        through.objects.bulk_create([through(user_id=u, group_id=g) for u, g in missing])
    return len(missing), len(stale)


def describe_scope(user):
    """Explain a staff account's data scope in words for the permission preview (R-8)."""
    from django.utils.translation import gettext as _

    if user.is_owner:
        return _("Everything in the organisation (main account).")
    department = admin_departments(user).first()
    if department is None:
        return _("Own items only: products and campaigns where they are the contact person or creator.")
    below = department.get_descendant_count()
    return _(
        "As admin of %(department)s: own items plus those of everyone in %(department)s "
        "and its %(count)d sub-departments."
    ) % {"department": department.path, "count": below}
